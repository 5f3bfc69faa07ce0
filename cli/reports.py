"""Commands: reports (being written)."""

import click

commands: list[click.Command] = []
