from .views import applications, files, funds, mutual_aid, pairing, reports

app_name = "assistance"

urlpatterns = [
    *reports.urlpatterns,
    *files.urlpatterns,
    *applications.urlpatterns,
    *funds.urlpatterns,
    *mutual_aid.urlpatterns,
    *pairing.urlpatterns,
]
