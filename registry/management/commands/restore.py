import os
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ._postgres_tools import connection_args_and_env, describe_database, find_binary, run, server_version_num

# Every dump of the portal lists Django's migration table; a dump of some other database does not.
PORTAL_TABLE = re.compile(r"\bTABLE public django_migrations\b")


class Command(BaseCommand):
    help = (
        "Replace the database's contents with a dump written by `backup` (pg_restore --clean, one transaction: "
        "a failed restore changes nothing). Asks for confirmation unless --noinput."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The dump file written by `backup` (pg_dump -Fc).")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask for confirmation."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias to restore into.")

    def handle(self, *args, file, interactive, database, **options):
        path = file.expanduser().resolve()
        if not path.is_file():
            raise CommandError(f"Файл резервной копии не найден: {path}")
        pg_restore = find_binary("pg_restore", server_version_num(database))

        # Read the archive's table of contents before touching the database: a file that is not
        # a custom-format dump of the portal is refused here.
        listing = run(
            [str(pg_restore), "--list", str(path)],
            dict(os.environ),
            f"Файл {path} не читается как резервная копия (pg_dump -Fc): это не резервная копия, "
            "она повреждена или создана более новой версией PostgreSQL",
        )
        if not PORTAL_TABLE.search(listing.stdout):
            raise CommandError(
                f"Файл {path} — резервная копия другой базы данных, а не портала; восстановление отменено."
            )

        target = describe_database(database)
        if interactive:
            answer = input(
                f"Все данные в базе {target} будут заменены данными из {path}.\nПродолжить? Введите «да» или «нет»: "
            )
            if answer.strip().lower() not in ("да", "yes"):
                raise CommandError("Восстановление отменено.")

        connection_args, env = connection_args_and_env(database)
        run(
            [
                str(pg_restore),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",  # implies --exit-on-error: the first error rolls everything back
                *connection_args,
                str(path),
            ],
            env,
            f"Восстановление не выполнено, база {target} не изменена",
        )
        self.stdout.write(f"База данных {target} восстановлена из {path}.")
