"""The machine a benchmark ran on (no Django: the parent process of `between bench` uses it)."""

from __future__ import annotations

import os
import platform
from typing import Any


def machine_info() -> dict[str, Any]:
    import django

    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
    }
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            kilobytes = int(meminfo.readline().split()[1])
            info["memory_gib"] = round(kilobytes / 1024 / 1024, 1)
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # not Linux
        pass
    return info
