"""The roadmap samples of the seeds, entered in full in ``fixtures/roadmap_templates/``.

Loaded by ``load_demo`` and by ``manage.py load_roadmap_templates`` on a fresh
installation; idempotent (a sample is recognised by its title).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Revision, Roadmap
from .services import SectionData, write_content

TEMPLATES_DIR = Path(settings.BASE_DIR) / "fixtures" / "roadmap_templates"


def template_files() -> list[Path]:
    return sorted(TEMPLATES_DIR.glob("*.json"))


def sections_of(data: dict) -> list[SectionData]:
    return [
        SectionData(
            section["number"],
            section["title"],
            [
                {key: item[key] for key in ("number", "content", "deadline", "responsible", "result")}
                for item in section["items"]
            ],
        )
        for section in data["sections"]
    ]


@transaction.atomic
def load_roadmap_templates() -> int:
    created = 0
    for path in template_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        if Roadmap.objects.filter(is_template=True, municipality__isnull=True, title=data["title"]).exists():
            continue
        roadmap = Roadmap.objects.create(
            level=data["level"], title=data["title"], period=data["period"], basis=data["basis"], is_template=True
        )
        revision = Revision.objects.create(roadmap=roadmap, number=1)
        write_content(revision, sections_of(data))
        created += 1
    return created
