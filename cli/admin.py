"""Commands: admin (being written)."""

import click

commands: list[click.Command] = []
