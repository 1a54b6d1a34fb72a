from .views import committee, office, worker

app_name = "appeals"

urlpatterns = [*worker.urlpatterns, *committee.urlpatterns, *office.urlpatterns]
