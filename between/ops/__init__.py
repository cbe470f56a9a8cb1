"""Operations: `between backup` / `between restore` (backup.py, restore.py, tables.py) and the
migration state of published releases (releases.json), for upgrade tests."""
