"""What asyncdj-lint knows about Django and asgiref: async APIs by version, ORM methods, bridges, view decorators."""
