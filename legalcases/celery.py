import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "legalcases.settings")

app = Celery("legalcases")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
def _log_with_task_id(task_id=None, **kwargs):
    """Log lines written by a task carry its id where requests carry theirs (legalcases.logging_json)."""
    from legalcases.logging_json import current_request_id

    current_request_id.set(f"task-{task_id}")
