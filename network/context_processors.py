from django.http import HttpRequest

from network.models import NetworkSettings


def network(request: HttpRequest) -> dict[str, NetworkSettings]:
    return {"network": NetworkSettings.for_request(request)}
