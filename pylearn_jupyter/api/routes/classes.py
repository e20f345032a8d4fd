"""``/classes``: a teacher's classes, joining and leaving them, the learners' progress and
the course bundle (docs/api.md, *Classes*)."""

from __future__ import annotations

import gzip
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response, status

from ..classes import Classes
from ..deps import AccountsDep, Claims
from ..errors import AUTH_RESPONSES, responses
from ..schemas import (
    ClassCreateIn,
    ClassJoinIn,
    ClassListOut,
    ClassOut,
    ClassProgressOut,
    CourseBundleIn,
    CourseVersionOut,
    ErrorOut,
)

router = APIRouter(prefix="/classes", tags=["classes"])

ClassId = Annotated[
    str, Path(max_length=64, description="The class id (16 hexadecimal digits).",
              examples=["0f3a9c2e7b1d4a58"])
]
GZIP_FROM = 64 * 1024
"""Progress answers from this size on are gzipped for clients that accept it."""
NOT_FOUND = (404, "No such class among those the user teaches or has joined.")
FORBIDDEN = (403, "The user is a learner of this class, not its teacher.")


def classes_of(accounts: AccountsDep) -> Classes:
    return Classes(accounts)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**responses(), **AUTH_RESPONSES},
)
def create_class(body: ClassCreateIn, claims: Claims, accounts: AccountsDep) -> ClassOut:
    """Create a class taught by the user; the answer holds its join code."""
    return classes_of(accounts).create(claims, body.name, body.course)


@router.get("", responses={**responses(), **AUTH_RESPONSES})
def list_classes(claims: Claims, accounts: AccountsDep) -> ClassListOut:
    """The classes the user teaches (with their join codes) or has joined."""
    return ClassListOut(items=classes_of(accounts).list(claims))


@router.post(
    "/join",
    responses={
        **responses(
            (404, "No class has this join code."),
            (409, "The user teaches this class."),
        ),
        429: {
            "model": ErrorOut,
            "description": "10 unknown join codes from this user within 15 minutes.",
            "headers": {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "description": "Seconds until the user may try again.",
                }
            },
        },
        **AUTH_RESPONSES,
    },
)
def join_class(body: ClassJoinIn, claims: Claims, accounts: AccountsDep) -> ClassOut:
    """Join a class with its code, consenting (`consent: true`) to what its teacher then
    sees: for the class's exercises, completion times, attempts, latest code and whether a
    solution was viewed. Joining a class again changes nothing."""
    return classes_of(accounts).join(claims, body.join_code)


@router.delete(
    "/{class_id}/membership",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**responses(NOT_FOUND, (409, "The user teaches this class.")), **AUTH_RESPONSES},
)
def leave_class(class_id: ClassId, claims: Claims, accounts: AccountsDep) -> Response:
    """Leave a class: from now on its teacher sees nothing of the user."""
    classes_of(accounts).leave(claims, class_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{class_id}/progress",
    response_model=ClassProgressOut,
    responses={**responses(FORBIDDEN, NOT_FOUND), **AUTH_RESPONSES},
)
def class_progress(
    request: Request, class_id: ClassId, claims: Claims, accounts: AccountsDep
) -> Any:
    """For the teacher: each learner's progress on the exercises of the class's course
    (the built-in course: ids without `class:`; an uploaded course: its `class:` ids)."""
    body = classes_of(accounts).progress(claims, class_id)
    headers = {"Vary": "Accept-Encoding"}
    if len(body) >= GZIP_FROM and "gzip" in request.headers.get("Accept-Encoding", "").lower():
        # A large class is megabytes of code; compressed it travels in a fraction.
        body = gzip.compress(body, compresslevel=1)
        headers["Content-Encoding"] = "gzip"
    return Response(content=body, media_type="application/json", headers=headers)


@router.put(
    "/{class_id}/course",
    responses={
        **responses(FORBIDDEN, NOT_FOUND, (409, "The class follows the built-in course.")),
        413: {"model": ErrorOut, "description": "The body is larger than 20 MiB."},
        **AUTH_RESPONSES,
    },
)
def put_course(
    class_id: ClassId, bundle: CourseBundleIn, claims: Claims, accounts: AccountsDep
) -> CourseVersionOut:
    """For the teacher of a class with course `uploaded`: store its course bundle (JSON,
    at most 20 MiB), replacing any earlier one. The answer's version is the bundle's ETag."""
    return CourseVersionOut(version=classes_of(accounts).put_course(claims, class_id, bundle))


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


@router.get(
    "/{class_id}/course",
    response_model=CourseBundleIn,
    responses={
        200: {
            "description": "The bundle, with its version as ETag.",
            "headers": {"ETag": {"schema": {"type": "string"}, "description": "The version."}},
        },
        304: {"description": "The bundle has not changed since the version in If-None-Match."},
        **responses(
            (404, "No such class among the user's, or the class has no uploaded course yet."),
        ),
        **AUTH_RESPONSES,
    },
)
def get_course(
    class_id: ClassId,
    claims: Claims,
    accounts: AccountsDep,
    if_none_match: Annotated[
        str | None,
        Header(description="The ETag of the bundle the client holds: 304 when unchanged."),
    ] = None,
) -> Any:
    """For the teacher and the learners: the class's uploaded course bundle."""
    version, bundle = classes_of(accounts).get_course(claims, class_id)
    etag = f'"{version}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and _matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=bundle.encode("utf-8"), media_type="application/json",
                    headers=headers)


@router.delete(
    "/{class_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**responses(FORBIDDEN, NOT_FOUND), **AUTH_RESPONSES},
)
def delete_class(class_id: ClassId, claims: Claims, accounts: AccountsDep) -> Response:
    """For the teacher: delete the class, its memberships and its course bundle."""
    classes_of(accounts).delete(claims, class_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
