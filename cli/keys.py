"""Commands: keys (being written)."""

import click

commands: list[click.Command] = []
