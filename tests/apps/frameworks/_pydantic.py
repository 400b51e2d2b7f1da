"""The request and response models both FastAPI apps declare (one API, two ways of
answering its errors)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class NewOrg(BaseModel):
    name: str = Field(max_length=64)
    plan: Literal["free", "team"] = "free"


class Org(BaseModel):
    id: str
    name: str
    plan: Literal["free", "team"]
    archived: bool


class NewRepo(BaseModel):
    name: str = Field(max_length=64)
    private: bool = False
    stars: int = Field(default=0, ge=0)


class Repo(BaseModel):
    id: str
    org_id: str
    name: str
    private: bool
    stars: int


class ArchiveOptions(BaseModel):
    """Nothing to choose yet: any JSON object is accepted, and ignored."""
