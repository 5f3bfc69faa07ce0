"""Signatures bound to stored rows: keys and envelopes (``signatures``) and the library mapper
that seals every event on write and checks it on read (``mapper``)."""
