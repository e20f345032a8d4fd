"""Classes (docs/api.md, *Classes*): a teacher, the learners who chose to join, and the
course the class follows (the built-in one, or a bundle the teacher uploaded).

What a teacher may see of a learner is decided here and nowhere else: for each member,
the progress rows of the class's course only (completion time, attempts, latest code and
time, solution viewed), and the username. A learner who leaves is no longer a member, so
from then on nothing of them is shown.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from pydantic_core import to_json
from sqlalchemy import Connection, DateTime, and_, delete, func, or_, select, tuple_, type_coerce
from sqlalchemy.orm import Session

from .core.db import Database
from .core.security import TokenClaims
from .errors import ApiError
from .insert import upsert
from .models import (
    ClassCourse,
    ClassExercise,
    ClassMember,
    Progress,
    SchoolClass,
    User,
)
from .schemas import (
    CLASS_PREFIX,
    ClassOut,
    CourseBundleIn,
    CourseBundleInfoOut,
    JoinedClassOut,
    TaughtClassOut,
    TeacherOut,
)
from .throttle import UNKNOWN_JOIN_CODES

if TYPE_CHECKING:
    from .accounts import Accounts

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
JOIN_CODE_LENGTH = 10
"""50 bits: with 10 unknown codes per user per 15 minutes, guessing is hopeless."""
_DECODE = str.maketrans({"I": "1", "L": "1", "O": "0"})

NOT_FOUND = "There is no such class among the classes you teach or have joined."
TEACHER_ONLY = "Only the teacher of this class can do this."


def new_join_code() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(JOIN_CODE_LENGTH))


def show_code(code: str) -> str:
    """The code as shown to the teacher: two groups of five, ``7K4M2-XQ9RD``."""
    return f"{code[:5]}-{code[5:]}"


def normalise_code(text: str) -> str:
    """A typed code as stored: dashes and spaces dropped, upper case, and Crockford's
    look-alikes read as digits (I and L as 1, O as 0)."""
    return "".join(text.split()).replace("-", "").upper().translate(_DECODE)


def class_exercise_id(class_id: str, exercise_id: str) -> str:
    return f"{CLASS_PREFIX}{class_id}/{exercise_id}"


def split_class_exercise_id(value: str) -> tuple[str, str] | None:
    """``(class id, exercise id)`` of a ``class:<id>/<exercise id>`` id, else ``None``."""
    if not value.startswith(CLASS_PREFIX):
        return None
    class_id, _, exercise_id = value[len(CLASS_PREFIX):].partition("/")
    return class_id, exercise_id


_LEARNERS_COUNT = (
    select(func.count())
    .where(ClassMember.class_id == SchoolClass.id)
    .correlate(SchoolClass)
    .scalar_subquery()
)


def _class_rows(session: Session, *where: Any) -> Sequence[Any]:
    return session.execute(
        select(SchoolClass, User.username, _LEARNERS_COUNT)
        .join(User, User.id == SchoolClass.teacher_id)
        .where(*where)
        .order_by(SchoolClass.created_at, SchoolClass.id)
    ).all()


def _utc_text(value: datetime) -> str:
    """A naive UTC time as read from the database, as RFC 3339 (like every answer)."""
    return value.isoformat() + "Z"


def _class_out(school_class: SchoolClass, teacher: str, count: int, user_id: str,
               model: type[ClassOut] = ClassOut, **extra: Any) -> Any:
    teaching = school_class.teacher_id == user_id
    return model(
        id=school_class.id,
        name=school_class.name,
        role="teacher" if teaching else "learner",
        course=school_class.course,
        teacher=TeacherOut(username=teacher),
        created_at=school_class.created_at,
        learners_count=count,
        join_code=show_code(school_class.join_code) if teaching else None,
        **extra,
    )


@dataclass(frozen=True)
class Classes:
    """Class operations bound to the account service (its database and throttle)."""

    accounts: Accounts

    @property
    def db(self) -> Database:
        return self.accounts.db

    # Reading ---------------------------------------------------------------------------

    def _one(self, session: Session, class_id: str, user_id: str) -> ClassOut:
        """The class as ``user_id`` sees it; 404 unless they teach it or have joined it."""
        rows = _class_rows(
            session,
            SchoolClass.id == class_id,
            or_(
                SchoolClass.teacher_id == user_id,
                SchoolClass.id.in_(
                    select(ClassMember.class_id).where(ClassMember.user_id == user_id)
                ),
            ),
        )
        if not rows:
            raise ApiError(404, NOT_FOUND)
        school_class, teacher, count = rows[0]
        return _class_out(school_class, teacher, count, user_id)

    def _as_teacher(self, session: Session, class_id: str, user_id: str) -> ClassOut:
        found = self._one(session, class_id, user_id)
        if found.role != "teacher":
            raise ApiError(403, TEACHER_ONLY)
        return found

    def list(self, claims: TokenClaims) -> list[ClassOut]:
        with self.db.read() as session:
            user = self.accounts.current_user(session, claims)
            rows = _class_rows(
                session,
                or_(
                    SchoolClass.teacher_id == user.id,
                    SchoolClass.id.in_(
                        select(ClassMember.class_id).where(ClassMember.user_id == user.id)
                    ),
                ),
            )
            return [_class_out(c, teacher, count, user.id) for c, teacher, count in rows]

    # Teaching --------------------------------------------------------------------------

    def create(self, claims: TokenClaims, name: str, course: str) -> ClassOut:
        for _ in range(5):  # a repeated 50-bit code is next to impossible; try again if so
            code = new_join_code()
            with self.db.write() as session:
                user = self.accounts.current_user(session, claims)
                if session.scalar(select(SchoolClass.id).where(SchoolClass.join_code == code)):
                    continue
                school_class = SchoolClass(
                    id=secrets.token_hex(8),
                    name=name,
                    teacher_id=user.id,
                    course=course,
                    join_code=code,
                    created_at=datetime.now(UTC),
                )
                session.add(school_class)
                teacher = user.username
            return _class_out(school_class, teacher, 0, user.id)
        raise ApiError(503, "No join code could be made just now; try again.")

    def delete(self, claims: TokenClaims, class_id: str) -> None:
        with self.db.write() as session:
            user = self.accounts.current_user(session, claims)
            self._as_teacher(session, class_id, user.id)
            delete_classes(session, [class_id])

    def progress(self, claims: TokenClaims, class_id: str) -> bytes:
        """Each learner's progress on the class's course, and nothing else of them: the
        JSON of ``ClassProgressOut``.

        A class of 300 learners on 150 exercises is 45,000 entries: they are read as
        plain rows (times as stored, naive UTC) and written straight to JSON, without an
        ORM or pydantic object per entry."""
        with self.db.read() as session:
            user = self.accounts.current_user(session, claims)
            found = self._as_teacher(session, class_id, user.id)
            p = Progress.__table__.c
            m = ClassMember.__table__.c
            u = User.__table__.c
            if found.course == "uploaded":
                course_ids: set[str] | None = {
                    class_exercise_id(class_id, exercise_id)
                    for exercise_id in session.scalars(
                        select(ClassExercise.exercise_id).where(ClassExercise.class_id == class_id)
                    )
                }
                in_course = p.exercise_id.like(f"{CLASS_PREFIX}{class_id}/%")
            else:
                course_ids = None
                in_course = ~p.exercise_id.like(f"{CLASS_PREFIX}%")
            rows = session.connection().execute(
                select(
                    m.user_id,
                    u.username,
                    type_coerce(m.joined_at, DateTime()),
                    p.exercise_id,
                    type_coerce(p.completed_at, DateTime()),
                    p.attempts,
                    p.last_code,
                    type_coerce(p.last_submitted_at, DateTime()),
                    p.solution_viewed,
                )
                .select_from(ClassMember.__table__)
                .join(User.__table__, u.id == m.user_id)
                .outerjoin(Progress.__table__, and_(p.user_id == m.user_id, in_course))
                .where(m.class_id == class_id)
                .order_by(u.username_key, m.user_id, p.exercise_id)
            ).all()
        learners: dict[str, dict[str, Any]] = {}
        for (learner_id, username, joined_at, exercise_id, completed_at, attempts, last_code,
             last_submitted_at, solution_viewed) in rows:
            learner = learners.get(learner_id)
            if learner is None:
                learner = learners[learner_id] = {
                    "user_id": learner_id, "username": username,
                    "joined_at": _utc_text(joined_at), "progress": [],
                }
            if exercise_id is None or (course_ids is not None and exercise_id not in course_ids):
                continue
            learner["progress"].append({
                "exercise_id": exercise_id,
                "completed_at": None if completed_at is None else _utc_text(completed_at),
                "attempts": attempts,
                "last_code": last_code,
                "last_submitted_at": _utc_text(last_submitted_at),
                "solution_viewed": bool(solution_viewed),
            })
        return to_json({"class": found.model_dump(mode="json"),
                        "learners": list(learners.values())})

    def put_course(self, claims: TokenClaims, class_id: str, bundle: CourseBundleIn) -> str:
        text = json.dumps(bundle.model_dump(mode="json"), ensure_ascii=False,
                          separators=(",", ":"))
        body = text.encode("utf-8")
        version = hashlib.sha256(body).hexdigest()[:32]
        exercise_ids = sorted(set(bundle.exercise_ids()))
        with self.db.write() as session:
            user = self.accounts.current_user(session, claims)
            found = self._as_teacher(session, class_id, user.id)
            if found.course != "uploaded":
                raise ApiError(
                    409,
                    'This class follows the built-in PyLearn course; create a class with '
                    'course "uploaded" to give it a course of your own.',
                )
            session.execute(delete(ClassCourse).where(ClassCourse.class_id == class_id))
            session.execute(delete(ClassExercise).where(ClassExercise.class_id == class_id))
            session.add(ClassCourse(class_id=class_id, version=version, bundle=text,
                                    size_bytes=len(body), uploaded_at=datetime.now(UTC)))
            if exercise_ids:
                session.execute(
                    ClassExercise.__table__.insert(),
                    [{"class_id": class_id, "exercise_id": e} for e in exercise_ids],
                )
        return version

    def get_course(self, claims: TokenClaims, class_id: str) -> tuple[str, str]:
        """(version, bundle JSON) for the teacher and the learners of the class."""
        with self.db.read() as session:
            user = self.accounts.current_user(session, claims)
            self._one(session, class_id, user.id)
            row = session.execute(
                select(ClassCourse.version, ClassCourse.bundle)
                .where(ClassCourse.class_id == class_id)
            ).first()
        if row is None:
            raise ApiError(404, "This class has no uploaded course (yet).")
        return row.version, row.bundle

    # Learning --------------------------------------------------------------------------

    def join(self, claims: TokenClaims, code: str) -> ClassOut:
        """Join with a code. Unknown codes are counted per user in the database, the count
        taken before the code is looked up (so concurrent guesses cannot slip past the
        limit) and given back when the code exists."""
        wanted = normalise_code(code)
        throttle = self.accounts.throttle
        with self.db.write() as session:
            user = self.accounts.current_user(session, claims)
            reservation = throttle.reserve(UNKNOWN_JOIN_CODES, user.id, session=session)
            if not reservation.allowed:
                raise ApiError(
                    429,
                    "Too many unknown join codes; wait "
                    f"{math.ceil(reservation.retry_after / 60)} minute(s) and check the code "
                    "with your teacher.",
                    headers={"Retry-After": str(reservation.retry_after)},
                )
            school_class = session.scalar(
                select(SchoolClass).where(SchoolClass.join_code == wanted)
            ) if wanted else None
            if school_class is not None:
                throttle.release(session, reservation)
                if school_class.teacher_id == user.id:
                    raise ApiError(409, "You teach this class; learners join it with this code.")
                table = ClassMember.__table__
                session.execute(
                    upsert(session, table)
                    .values(class_id=school_class.id, user_id=user.id,
                            joined_at=datetime.now(UTC))
                    .on_conflict_do_nothing(index_elements=[table.c.class_id, table.c.user_id])
                )
                joined = self._one(session, school_class.id, user.id)
        if school_class is None:
            raise ApiError(404, "No class has this join code; check it with your teacher.")
        return joined

    def leave(self, claims: TokenClaims, class_id: str) -> None:
        with self.db.write() as session:
            user = self.accounts.current_user(session, claims)
            found = self._one(session, class_id, user.id)
            if found.role == "teacher":
                raise ApiError(
                    409, "You teach this class; delete it instead (DELETE /classes/{id})."
                )
            session.execute(
                delete(ClassMember).where(
                    ClassMember.class_id == class_id, ClassMember.user_id == user.id
                )
            )


def delete_classes(session: Session, class_ids: Iterable[str]) -> None:
    """Delete classes with their memberships, bundles and exercise lists."""
    ids = list(class_ids)
    if not ids:
        return
    for model in (ClassMember, ClassCourse, ClassExercise):
        session.execute(delete(model).where(model.class_id.in_(ids)))
    session.execute(delete(SchoolClass).where(SchoolClass.id.in_(ids)))


def delete_user_classes(session: Session, user_id: str) -> None:
    """For account deletion: the classes the user teaches, and their memberships."""
    taught = session.scalars(select(SchoolClass.id).where(SchoolClass.teacher_id == user_id))
    delete_classes(session, list(taught))
    session.execute(delete(ClassMember).where(ClassMember.user_id == user_id))


def export_classes(
    session: Session, user_id: str
) -> tuple[list[TaughtClassOut], list[JoinedClassOut]]:
    """The classes the user teaches (with code and bundle version) and has joined."""
    bundles = {
        row.class_id: CourseBundleInfoOut(
            version=row.version, uploaded_at=row.uploaded_at, size_bytes=row.size_bytes
        )
        for row in session.execute(
            select(ClassCourse.class_id, ClassCourse.version, ClassCourse.uploaded_at,
                   ClassCourse.size_bytes)
            .join(SchoolClass, SchoolClass.id == ClassCourse.class_id)
            .where(SchoolClass.teacher_id == user_id)
        )
    }
    taught = [
        _class_out(c, teacher, count, user_id, TaughtClassOut, course_bundle=bundles.get(c.id))
        for c, teacher, count in _class_rows(session, SchoolClass.teacher_id == user_id)
    ]
    joined_at = dict(
        session.execute(
            select(ClassMember.class_id, ClassMember.joined_at).where(
                ClassMember.user_id == user_id
            )
        ).all()
    )
    joined = [
        _class_out(c, teacher, count, user_id, JoinedClassOut, joined_at=joined_at[c.id])
        for c, teacher, count in _class_rows(session, SchoolClass.id.in_(list(joined_at)))
    ]
    return taught, joined


def refuse_unknown_class_exercises(
    connection: Connection, user_id: str, exercise_ids: Iterable[tuple[int, str]]
) -> None:
    """Refuse a batch naming ``class:<id>/<exercise id>`` ids that are not exercises of the
    uploaded course of a class the user teaches or has joined (a 422 naming the items)."""
    wanted = {}
    for index, value in exercise_ids:
        parts = split_class_exercise_id(value)
        if parts is not None:
            wanted.setdefault(parts, []).append(index)
    if not wanted:
        return
    c, e, m = SchoolClass.__table__.c, ClassExercise.__table__.c, ClassMember.__table__.c
    allowed = set(
        connection.execute(
            select(e.class_id, e.exercise_id)
            .join(SchoolClass.__table__, c.id == e.class_id)
            .where(
                tuple_(e.class_id, e.exercise_id).in_(list(wanted)),
                c.course == "uploaded",
                or_(
                    c.teacher_id == user_id,
                    c.id.in_(select(m.class_id).where(m.user_id == user_id)),
                ),
            )
        ).all()
    )
    refused = sorted(
        (index, parts) for parts, indexes in wanted.items() if parts not in allowed
        for index in indexes
    )
    if refused:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "items", index, "exercise_id"),
                    "msg": (
                        f"{class_exercise_id(*parts)!r} is not an exercise of the uploaded "
                        "course of a class you teach or have joined"
                    ),
                    "type": "value_error",
                }
                for index, parts in refused
            ]
        )
