from rest_framework.routers import DefaultRouter

from notifications.api import AlertViewSet, NotificationViewSet

router = DefaultRouter(trailing_slash=True)
router.register("notifications", NotificationViewSet, basename="notification")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns = router.urls
