"""Exit 0 when a PostgreSQL or Redis server answers at the given URL, 1 otherwise."""

import sys


def postgres_up(url):
    import psycopg

    try:
        psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def redis_up(url):
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


if __name__ == "__main__":
    kind, url = sys.argv[1], sys.argv[2]
    sys.exit(0 if {"postgres": postgres_up, "redis": redis_up}[kind](url) else 1)
