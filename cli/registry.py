"""Commands: registry (being written)."""

import click

commands: list[click.Command] = []
