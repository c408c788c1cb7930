"""`kiemdiem tokens`: API tokens (mã truy cập)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from entrypoints.cli.common import At, Fmt, Format, command, process_app, required

tokens_app = typer.Typer(no_args_is_help=True, help="API tokens (mã truy cập).")


@tokens_app.command("issue")
@command
def tokens_issue(
    unit: Annotated[str | None, typer.Argument(help="The unit the token acts for.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="A token for the organizing board (everything).")] = False,
    link: Annotated[
        bool, typer.Option("--link", help="Print the dashboard's sign-in link (KIEMDIEM_PUBLIC_URL) instead.")
    ] = False,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Issue an API token and print it, once: only its hash is kept (cấp mã truy cập). With --link, the dashboard's
    sign-in link that carries it (đường dẫn đăng nhập)."""
    from service.dashboard_auth import sign_in_link
    from service.tokens import issue_token

    if (unit is None) == (not admin):
        raise required("UNIT", "cần mã đơn vị, hoặc --admin", "give a unit code, or --admin")
    app = process_app()
    token = issue_token(app, unit, at)
    shown = sign_in_link(app, token) if link else token
    if output == Format.json:
        typer.echo(json.dumps({"token": token, "unit": unit} | ({"link": shown} if link else {})))
    else:
        typer.echo(shown)


@tokens_app.command("revoke")
@command
def tokens_revoke(
    prefix: Annotated[str, typer.Argument(help="The token's first 10 characters.")],
    at: At = None,
) -> None:
    """Revoke a token (thu hồi mã truy cập)."""
    from service.tokens import revoke_token

    typer.echo(f"{revoke_token(process_app(), prefix, at)} revoked")
