"""Shops, their members and roles, invites, and each member's alert preferences."""
