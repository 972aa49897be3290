from django.apps import AppConfig
from django.contrib.staticfiles import apps as staticfiles_apps


class NetworkConfig(AppConfig):
    default = True
    name = "network"
    verbose_name = "Network"


class StaticFilesConfig(staticfiles_apps.StaticFilesConfig):
    # The design-system package also ships its sources and templates; the site serves only its
    # built script, stylesheet images and icons.
    ignore_patterns = [
        *staticfiles_apps.StaticFilesConfig.ignore_patterns,
        *["common", "components", "core", "errors", "lib", "macros"],
        *["*.scss", "*.njk", "*.mts", "*.mjs", "*.md"],
    ]
