"""Commands: audit (being written)."""

import click

commands: list[click.Command] = []
