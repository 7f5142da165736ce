"""Faults injected into real work: an import or an approval cut halfway leaves nothing half-written.

Each fault happens in a separate process against the test database, as in production: the
process is killed outright (SIGKILL, no cleanup code runs), or its database connection is
terminated by the server between two writes. The test then reads what is committed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from registry.models import ImportBatch, Person
from roadmaps.models import Revision
from tests.registry.test_import import good_rows, xlsx
from tests.test_backup import database_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

SETUP_TOWN = """
import json, uuid
from registry.models import Role
from tests.factories import MunicipalityFactory, OrganisationFactory, make_user
municipality = MunicipalityFactory(name="Сбойный район " + uuid.uuid4().hex[:6])
school = OrganisationFactory(municipality=municipality, short_name="МБОУ «Сбойная СОШ»")
curator = make_user(Role.CURATOR, school)
director = make_user(Role.DIRECTOR, school)
"""

CLEANUP = """
from django.contrib.auth import get_user_model
from registry.models import ImportBatch, Municipality, Organisation, Person
from roadmaps.models import Roadmap
ids = {ids!r}
Roadmap.objects.filter(organisation_id=ids["school"]).delete()
ImportBatch.objects.filter(user_id__in=ids["users"]).delete()
Person.objects.filter(organisation_id=ids["school"]).delete()
get_user_model().objects.filter(pk__in=ids["users"]).delete()
Organisation.objects.filter(pk=ids["school"]).delete()
Municipality.objects.filter(pk=ids["municipality"]).delete()
"""

# Between two writes of the import: the people are in, their bank entries not yet.
KILL_IMPORT = """
import os, signal
from registry.importing import writer
from registry.models import ImportBatch
batch = ImportBatch.objects.get(pk={batch})
def fault(rows):
    {fault}
writer._apply_mentors = fault
writer.apply_import(batch.user, batch.file_name, bytes(batch.content))
print("finished")
"""

# Between two writes of the approval: the old revision superseded, the new one approved, the version not bumped.
KILL_APPROVAL = """
import os, signal
from roadmaps import services
from roadmaps.models import Revision
from django.contrib.auth import get_user_model
revision = Revision.objects.get(pk={revision})
def fault(revision):
    {fault}
services.bump = fault
services.revision_approve(user=get_user_model().objects.get(pk={director}), revision=revision, version=revision.version)
print("finished")
"""

SIGKILL = "os.kill(os.getpid(), signal.SIGKILL)"
DROP_CONNECTION = (
    "from django.db import connection; connection.cursor().execute('SELECT pg_terminate_backend(pg_backend_pid())')"
)


def shell(script: str) -> subprocess.CompletedProcess:
    env = os.environ | {"DATABASE_URL": database_url(connection.settings_dict["NAME"]), "DJANGO_DEBUG": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", textwrap.dedent(script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def committed(script: str) -> dict:
    """Run ``script`` in its own process and return the JSON it prints last."""
    result = shell(script)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def town():
    ids = committed(
        SETUP_TOWN
        + """
from registry.models import ImportBatch
print(json.dumps({"municipality": municipality.pk, "school": school.pk, "users": [curator.pk, director.pk],
                  "curator": curator.pk, "director": director.pk, "name": school.short_name}))
"""
    )
    yield ids
    assert shell(CLEANUP.format(ids=ids)).returncode == 0


def faulted(result: subprocess.CompletedProcess, fault: str) -> None:
    """The process did not finish its work: killed, or stopped by the lost connection."""
    assert "finished" not in result.stdout
    if fault == SIGKILL:
        assert result.returncode == -signal.SIGKILL
    else:
        assert result.returncode != 0
        assert "terminating connection" in result.stderr or "server closed the connection" in result.stderr


@pytest.mark.parametrize("fault", [SIGKILL, DROP_CONNECTION], ids=["process killed", "connection dropped"])
def test_an_import_cut_halfway_writes_no_one(town, fault, tmp_path):
    upload = tmp_path / "школа.xlsx"
    upload.write_bytes(xlsx(good_rows(town["name"])))
    batch = committed(
        f"""
import json
from pathlib import Path
from registry.models import ImportBatch
batch = ImportBatch.objects.create(user_id={town["curator"]}, file_name="школа.xlsx",
                                   content=Path({str(upload)!r}).read_bytes())
print(json.dumps({{"pk": batch.pk}}))
"""
    )["pk"]

    faulted(shell(KILL_IMPORT.format(batch=batch, fault=fault)), fault)

    assert not Person.objects.filter(organisation_id=town["school"]).exists()
    assert ImportBatch.objects.get(pk=batch).status == ImportBatch.Status.PREVIEWED

    # The same file goes in whole afterwards: nothing of the cut attempt is in the way.
    result = shell(
        KILL_IMPORT.format(batch=batch, fault="return real(rows)").replace(
            "def fault", "real = writer._apply_mentors\ndef fault"
        )
    )
    assert result.returncode == 0, result.stderr
    assert "finished" in result.stdout
    assert Person.objects.filter(organisation_id=town["school"]).count() == 3


@pytest.mark.parametrize("fault", [SIGKILL, DROP_CONNECTION], ids=["process killed", "connection dropped"])
def test_an_approval_cut_halfway_leaves_the_old_revision_in_force(town, fault):
    ids = committed(
        f"""
import json
from django.contrib.auth import get_user_model
from registry.models import Organisation
from roadmaps.models import Roadmap
from roadmaps.services import revision_approve, revision_open_next, revision_submit, roadmap_create
User = get_user_model()
curator, director = User.objects.get(pk={town["curator"]}), User.objects.get(pk={town["director"]})
template = Roadmap.objects.get(is_template=True, level="school", municipality__isnull=True).revisions.get()
roadmap = roadmap_create(user=curator, level="school", organisation=Organisation.objects.get(pk={town["school"]}),
                         title="План наставничества", period="2026–2027", source=template)
first = roadmap.revisions.get()
revision_submit(user=curator, revision=first, version=first.version)
first.refresh_from_db()
revision_approve(user=director, revision=first, version=first.version)
second = revision_open_next(user=curator, roadmap=roadmap)
second.refresh_from_db()
revision_submit(user=curator, revision=second, version=second.version)
print(json.dumps({{"first": first.pk, "second": second.pk}}))
"""
    )
    faulted(shell(KILL_APPROVAL.format(revision=ids["second"], director=town["director"], fault=fault)), fault)

    first, second = Revision.objects.get(pk=ids["first"]), Revision.objects.get(pk=ids["second"])
    assert first.status == Revision.Status.APPROVED
    assert second.status == Revision.Status.SUBMITTED
    assert second.approved_by_id is None and second.approved_at is None
