"""``/health``: for load balancers and the Jupyter integration's start-up wait."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from ..deps import DatabaseDep
from ..errors import responses
from ..schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut, responses=responses())
def health(db: DatabaseDep) -> Any:
    """200 when the database answers, 503 when it does not."""
    try:
        db.ping()
    except SQLAlchemyError:
        return JSONResponse(
            {"detail": "The database is unavailable right now; try again shortly."},
            status_code=503,
        )
    return HealthOut(status="ok", database="ok")
