"""Reference lists every installation needs, read from ``fixtures/registry_lists.json``.

The lists come from the Положение о наставничестве (seed 003): mentor competencies (§5.2),
achievements (§5.1) and mentees' typical requests. Loading is idempotent: a term is matched
by its code, so renaming one in the fixture renames it in the database.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Vocabulary, VocabularyTerm

LISTS_FILE = Path(settings.BASE_DIR) / "fixtures" / "registry_lists.json"
FIXTURE_KEYS = {
    Vocabulary.COMPETENCY: "mentor_competencies",
    Vocabulary.ACHIEVEMENT: "mentor_achievements",
    Vocabulary.REQUEST: "mentee_requests",
}


def reference_lists() -> dict:
    return json.loads(LISTS_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def load_reference_data() -> int:
    """Create or rename the shared vocabulary terms; returns how many were created."""
    lists = reference_lists()
    created = 0
    existing = {(term.vocabulary, term.code): term for term in VocabularyTerm.objects.filter(municipality__isnull=True)}
    for vocabulary, key in FIXTURE_KEYS.items():
        for entry in lists[key]:
            term = existing.get((vocabulary, entry["code"]))
            if term is None:
                VocabularyTerm.objects.create(vocabulary=vocabulary, code=entry["code"], name=entry["name"])
                created += 1
            elif term.name != entry["name"]:
                term.name = entry["name"]
                term.save(update_fields=["name"])
    return created
