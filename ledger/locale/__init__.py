"""Gettext catalogs (``<language>/LC_MESSAGES/lifeledger.po`` and its compiled ``.mo``)."""
