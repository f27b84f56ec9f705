"""The `helpdesk` command."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from cryptography.fernet import Fernet
from pydantic import ValidationError

from helpdesk_cli.services import all_services, env_suffix
from helpdesk_cli.stack import running_stack_admin_url
from helpdesk_common.asyncapi import build_document
from helpdesk_common.auth import generate_key_pair
from helpdesk_common.errors import HelpdeskError
from helpdesk_common.provisioning import provision, with_database
from helpdesk_common.service import ROLES, run_service

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)


@app.command()
def up(
    var_dir: Annotated[Path, typer.Option("--var", help="Where embedded servers keep their data.")] = Path(
        "var"
    ),
) -> None:
    """Start the whole stack: embedded NATS and PostgreSQL unless HELPDESK_NATS_URL /
    HELPDESK_DATABASE_URL are set, then every service in its own process; each is started again when
    it dies, until Ctrl-C (or until one keeps failing at start)."""
    from helpdesk_cli.stack import up as start

    raise typer.Exit(start(var_dir))


@app.command()
def run(
    service: Annotated[str, typer.Argument(help="gateway, ticketing, mail-gateway, ...")],
    role: Annotated[
        list[str] | None,
        typer.Option(help=f"One of {', '.join(ROLES)} or the service's own; repeatable. Default: all."),
    ] = None,
) -> None:
    """Run one service (its own database role in HELPDESK_DATABASE_URL)."""
    services = all_services()
    if service not in services:
        raise typer.BadParameter(f"unknown service {service!r}; known: {', '.join(services)}")
    known = services[service].role_names
    roles = set(role or known)
    unknown = roles - set(known)
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise typer.BadParameter(f"unknown role(s) {listed}; {service} has {', '.join(known)}")
    import uvloop

    uvloop.run(run_service(services[service], roles))


@app.command()
def migrate(
    service: Annotated[list[str] | None, typer.Argument(help="Default: every service.")] = None,
    database: Annotated[str, typer.Option(help="Database name.")] = "helpdesk",
) -> None:
    """Create roles and schemas and run migrations. HELPDESK_DATABASE_URL is an admin URL here;
    each role's password comes from HELPDESK_DB_PASSWORD_<SERVICE> (kept as it is when unset)."""
    admin_url = os.environ.get("HELPDESK_DATABASE_URL")
    if not admin_url:
        raise typer.BadParameter("set HELPDESK_DATABASE_URL to an admin connection URL")
    services = all_services()
    chosen = {name: services[name] for name in (service or services)}
    accounts = [
        definition.account(os.environ.get(f"HELPDESK_DB_PASSWORD_{env_suffix(name)}"))
        for name, definition in chosen.items()
    ]
    asyncio.run(provision(admin_url, database, accounts))
    for name, definition in chosen.items():
        definition.migrate(with_database(admin_url, database), as_role=True)
        typer.echo(f"{name}: schema {definition.schema} at head")


@app.command()
def asyncapi(
    output: Annotated[Path, typer.Option(help="Where to write the document.")] = Path("docs/asyncapi.json"),
) -> None:
    """Write the event catalogue (AsyncAPI 3.0) generated from the contracts."""
    all_services()  # importing services registers their consumers in the topology
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(build_document(), indent=2) + "\n")
    typer.echo(f"wrote {output}")


@app.command()
def openapi(
    output: Annotated[Path, typer.Option(help="Where to write the document.")] = Path("console/openapi.json"),
    check: Annotated[
        Path | None, typer.Option(help="Write nothing; exit 1 when this file is not the document.")
    ] = None,
) -> None:
    """Write the platform's OpenAPI document, what the gateway's /openapi.json answers with every
    service behind it, built offline: nothing is started and nothing is connected."""
    from helpdesk_cli.openapi import platform_document, rendered

    document = rendered(platform_document())
    if check is not None:
        if not check.is_file() or check.read_text(encoding="utf-8") != document:
            typer.echo(f"{check} is out of date: run make console-api", err=True)
            raise typer.Exit(1)
        typer.echo(f"{check} is current")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(document, encoding="utf-8")
    typer.echo(f"wrote {output}")


@app.command()
def keygen(
    env_file: Annotated[Path, typer.Option(help="The env file to write (refuses to overwrite).")],
) -> None:
    """Write fresh secrets for a deployment: internal token key pair, secret key, role passwords."""
    if env_file.exists():
        raise typer.BadParameter(f"{env_file} exists; remove it first")
    private_pem, public_pem = generate_key_pair()
    lines = {
        "HELPDESK_SECRET_KEY": Fernet.generate_key().decode(),
        "HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY": private_pem,
        "HELPDESK_INTERNAL_TOKEN_PUBLIC_KEY": public_pem,
        "HELPDESK_POSTGRES_PASSWORD": secrets.token_urlsafe(24),
        **{f"HELPDESK_DB_PASSWORD_{env_suffix(name)}": secrets.token_urlsafe(24) for name in all_services()},
    }
    escaped = {key: value.strip().replace("\n", "\\n") for key, value in lines.items()}
    env_file.write_text("".join(f'{key}="{value}"\n' for key, value in escaped.items()))
    env_file.chmod(0o600)
    typer.echo(f"wrote {env_file}")


@app.command()
def demo(
    tickets: Annotated[int, typer.Option(help="How many tickets.")] = 300,
    var_dir: Annotated[Path, typer.Option("--var", help="The running stack's data folder.")] = Path("var"),
) -> None:
    """Fill a running stack (`make run`) with a believable helpdesk, through its public API."""
    import json as json_module

    from helpdesk_cli.demo import fill

    state = json_module.loads((var_dir / "stack.json").read_text())
    api = f"http://127.0.0.1:{state['ports']['gateway']}"
    asyncio.run(fill(api, state["admin_url"], tickets=tickets, say=typer.echo))
    typer.echo(f"Done: open {api}/docs, or list the queue with GET {api}/api/tickets")


admin_app = typer.Typer(no_args_is_help=True, help="Operators, from the command line.")
app.add_typer(admin_app, name="admin")

VarDir = Annotated[Path, typer.Option("--var", help="The running stack's data folder.")]
Database = Annotated[str, typer.Option(help="Database name (as for `helpdesk migrate`).")]


@admin_app.command("create")
def admin_create(
    username: Annotated[str, typer.Option(help="Sign-in name.")],
    email: Annotated[str, typer.Option(help="E-mail address.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, envvar="HELPDESK_ADMIN_PASSWORD"
        ),
    ],
    display_name: Annotated[str | None, typer.Option(help="Shown name; the username when omitted.")] = None,
    database: Database = "helpdesk",
    var_dir: VarDir = Path("var"),
) -> None:
    """Make an administrator (every permission flag). Uses the server of HELPDESK_DATABASE_URL (an
    admin URL, as for `helpdesk migrate`), else the stack that `helpdesk up` runs from --var."""
    from helpdesk_cli.admin import DatabaseNotReady, create_administrator_account, described

    url = _identity_database(database, var_dir)
    try:
        operator = asyncio.run(
            create_administrator_account(url, username, email, display_name or username, password)
        )
    except HelpdeskError as error:
        raise typer.BadParameter(error.detail) from error
    except ValidationError as error:
        raise typer.BadParameter(described(error)) from None
    except DatabaseNotReady as error:
        _fail(str(error))
    typer.echo(
        f"Administrator {operator.username} ({operator.id}) created; sign in with POST /api/auth/login"
    )


@admin_app.command("unlock")
def admin_unlock(
    username: Annotated[str | None, typer.Option(help="Every count and lock of this sign-in name.")] = None,
    address: Annotated[str | None, typer.Option(help="Every count and lock of this IP address.")] = None,
    database: Database = "helpdesk",
    var_dir: VarDir = Path("var"),
) -> None:
    """Clear sign-in locks: of a username (at every address and device), of an address (for every
    username), or of the username at that address when both are given."""
    from helpdesk_cli.admin import DatabaseNotReady, unlock_sign_ins

    url = _identity_database(database, var_dir)
    try:
        cleared = asyncio.run(unlock_sign_ins(url, username=username, address=address))
    except HelpdeskError as error:
        raise typer.BadParameter(error.detail) from error
    except DatabaseNotReady as error:
        _fail(str(error))
    if not cleared:
        typer.echo("No sign-in counts or locks matched; nothing to clear.")
    for entry in cleared:
        whom = " ".join(
            part for part in (entry.username, f"at {entry.address}" if entry.address else None) if part
        )
        until = f", locked until {entry.locked_until:%Y-%m-%d %H:%M:%S %Z}" if entry.locked_until else ""
        typer.echo(f"Cleared {entry.scope} {whom}: {entry.failures} failures{until}")


mail_app = typer.Typer(no_args_is_help=True, help="Department mail, from the command line.")
app.add_typer(mail_app, name="mail")


@mail_app.command("import")
def mail_import(
    files: Annotated[list[Path], typer.Argument(help="mbox files, maildir folders or .eml files.")],
    department: Annotated[str, typer.Option(help="The department's name (or id) the mail is for.")],
    database: Database = "helpdesk",
    var_dir: VarDir = Path("var"),
) -> None:
    """Import old mail into a department: every message is stored raw, as the poller stores fetched
    mail, and the mail gateway's parsers make tickets of it. Uses the server of HELPDESK_DATABASE_URL
    (an admin URL), else the stack that `helpdesk up` runs from --var. Messages imported before are
    not stored again."""
    from helpdesk_cli.mail_import import ImportRefused, department_id, import_files

    url = _identity_database(database, var_dir)
    try:
        chosen = asyncio.run(department_id(url, department))
        counts = asyncio.run(import_files(url, chosen, files))
    except ImportRefused as error:
        _fail(str(error))
    typer.echo(f"Stored {counts.stored} messages for the parsers; {counts.already_there} were already there.")


def _identity_database(database: str, var_dir: Path) -> str:
    try:
        server = os.environ.get("HELPDESK_DATABASE_URL") or running_stack_admin_url(var_dir)
    except FileNotFoundError as error:
        _fail(str(error))
    return with_database(server, database)


def _fail(message: str) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(1)


if __name__ == "__main__":
    app()
