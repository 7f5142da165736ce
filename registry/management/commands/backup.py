import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from ._postgres_tools import connection_args_and_env, find_binary, run, server_version_num


def default_output() -> Path:
    return Path(settings.BASE_DIR) / "var" / "backups" / f"portal-{timezone.localtime():%Y%m%d-%H%M%S}.dump"


class Command(BaseCommand):
    help = (
        "Dump the database with pg_dump in the custom format (default var/backups/portal-YYYYmmdd-HHMMSS.dump) "
        "and print the file's path; `restore` reads it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, help="The dump file to write (overwritten if it exists).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias to dump.")

    def handle(self, *args, output, database, **options):
        output = (output or default_output()).expanduser().resolve()
        pg_dump = find_binary("pg_dump", server_version_num(database))
        connection_args, env = connection_args_and_env(database)
        try:
            output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # The dump holds personal data: mkstemp creates the file readable by its owner only,
            # and a failed dump never leaves a half-written file under the final name.
            handle, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
            os.close(handle)
        except OSError as error:
            raise CommandError(f"Не удалось создать файл резервной копии в {output.parent}: {error}") from error
        try:
            run(
                [str(pg_dump), "--format=custom", f"--file={partial}", *connection_args],
                env,
                "Не удалось создать резервную копию",
            )
            os.replace(partial, output)
        finally:
            Path(partial).unlink(missing_ok=True)
        self.stdout.write(str(output))
