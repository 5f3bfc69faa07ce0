"""click's own texts in the user's language, Chinese punctuation included (issue 14, point 4).

click looks its fixed texts up with ``gettext.gettext`` (``ledger.i18n`` points the global
domain at our catalog), but glues some of them together in code, with English punctuation:
``Missing argument 'FILE'.`` (the full stop is not in the message), ``No such option. Did you
mean …?`` (a space), choices joined by ``, ``, and the ``[default: 1; required]`` after an
option's help. In Chinese those joins are made here instead: :func:`message` is what follows
``错误：``, :func:`show` prints a usage error as click would, and :func:`help_extra` rewrites
the bracket after an option's help. The parameter types that name themselves in messages
(``File``, ``integer``) are in ``cli.click_types``. In English nothing here changes click's
output by a byte.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import click

from ledger.i18n import NP_, _, language, ngettext, pgettext

__all__ = ["help_extra", "message", "show", "usage_prefix"]

#: click's ``help  [extra; extra]`` after an option's help (``Option.get_help_record``).
_EXTRA = re.compile(r"\A(?:(?P<help>.*)  )?\[(?P<extra>[^\[\]\n]*)\]\Z", re.DOTALL)


def chinese() -> bool:
    return language() != "en"


def _hints(hint: Sequence[str] | str | None) -> str | None:
    """click's ``_join_param_hints``: ``'--on' / '-o'``."""
    if hint is not None and not isinstance(hint, str):
        return " / ".join(repr(x) for x in hint)
    return hint


def _missing(e: click.MissingParameter) -> str:
    """``缺少参数 'FILE'。``: click's ``MissingParameter.format_message`` with a full stop
    of its own and the choices one a line."""
    hint = e.param_hint
    if hint is None and e.param is not None:
        hint = e.param.get_error_hint(e.ctx)
    hint_text = _hints(hint)
    param_type = e.param_type
    if param_type is None and e.param is not None:
        param_type = e.param.param_type_name
    if param_type == "argument":
        missing = _("Missing argument")
    elif param_type == "option":
        missing = _("Missing option")
    elif param_type == "parameter":
        missing = _("Missing parameter")
    else:
        missing = _("Missing {param_type}").format(param_type=param_type)
    extra = ""
    if e.param is not None:
        extra = e.param.type.get_missing_message(param=e.param, ctx=e.ctx) or ""
    rest = "。".join(part.rstrip("。") for part in (e.message, extra) if part)
    return f"{missing} {hint_text}。{rest}" if hint_text else f"{missing}。{rest}"


def possibilities(found: Sequence[str]) -> str:
    """click's ``Did you mean …?``, the names joined by 、."""
    names = "、".join(repr(p) for p in sorted(found))
    return ngettext(
        "Did you mean {possibility}?",
        "(Did you mean one of: {possibilities}?)",
        len(found),
    ).format(possibility=names, possibilities=names)


def message(e: click.ClickException) -> str:
    """What follows ``Error:``: click's message, in Chinese with Chinese punctuation."""
    if not chinese():
        return e.format_message()
    if isinstance(e, click.MissingParameter):
        return _missing(e)
    if isinstance(e, click.NoSuchOption | click.exceptions.NoSuchCommand) and e.possibilities:
        return f"{e.message}{possibilities(e.possibilities)}"
    return e.format_message()


def show(e: click.ClickException) -> None:
    """``e`` on stderr as click shows it (usage, how to get help, the error), its message
    from :func:`message`."""
    if not chinese() or not isinstance(e, click.UsageError):
        e.show()
        return
    ctx = e.ctx
    color = None
    if ctx is not None:
        color = ctx.color
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            names = ctx.command.get_help_option_names(ctx)
            hint = _("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=max(names, key=len)
            )
            hint += "\n"
        click.echo(f"{ctx.get_usage()}\n{hint}", err=True, color=color)
    click.echo(_("Error: {message}").format(message=message(e)), err=True, color=color)


#: click's placeholders on the usage line (``Command.options_metavar``,
#: ``Group.subcommand_metavar``); a command's own (CASE_NO, FILE) are named in its help, so stay.
USAGE_WORDS = {
    "[OPTIONS]": NP_("usage", "[OPTIONS]"),
    "COMMAND": NP_("usage", "COMMAND"),
    "[COMMAND]": NP_("usage", "[COMMAND]"),
    "[ARGS]...": NP_("usage", "[ARGS]..."),
}


def usage_args(args: str) -> str:
    """The usage line after the command: ``[OPTIONS] COMMAND [ARGS]...``, in Chinese
    ``[选项] 命令 [参数]...`` (as git's Chinese usage lines name theirs)."""
    if not chinese():
        return args
    return " ".join(
        pgettext("usage", USAGE_WORDS[w]) if w in USAGE_WORDS else w for w in args.split(" ")
    )


def usage_prefix() -> str:
    """``Usage: `` before the command line; ``用法：`` (its colon takes the space)."""
    prefix = _("Usage:")
    return prefix if prefix.endswith("：") else f"{prefix} "


def help_extra(text: str) -> str:
    """An option's help with click's ``  [default: 1; required]`` after it: in Chinese
    ``（默认值：1；必需）``, in English unchanged."""
    if not chinese():
        return text
    found = _EXTRA.match(text)
    if found is None:
        return text
    extra = "；".join(item.strip() for item in found["extra"].split("; "))
    return f"{found['help'] or ''}（{extra}）"
