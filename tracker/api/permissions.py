"""Permissions shared by the API's endpoints."""

from rest_framework import permissions


class SeesAllWards(permissions.BasePermission):
    message = "Only administrators manage staff."

    def has_permission(self, request, view) -> bool:
        return getattr(request.user, "sees_all_wards", False)
