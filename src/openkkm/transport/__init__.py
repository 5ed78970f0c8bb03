"""Byte transports chosen by URL: serial, TCP, pty, in-memory loop."""
