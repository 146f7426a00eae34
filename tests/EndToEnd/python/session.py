#!/usr/bin/env python3
"""A scripted client session with redis-py, the way a Python application talks to Redis.

Usage: session.py --host 127.0.0.1 --port 6379 [--family strings --family hll ...]

Each data-type family is one function below, registered in FAMILIES; add a family by writing
`def family_xxx(r, k)` (r: a redis.Redis with decode_responses=False, k: makes a key unique to
this run) and listing it in FAMILIES. Every key a family touches goes through k(), so the script
never disturbs other keys and never needs FLUSHALL. Exits 0 when every family passes, 1 on the
first failure (with the family, the failing check and the replies), 2 when redis-py is missing.
"""
import argparse
import sys
import time
import traceback
import uuid

try:
    import redis
except ImportError:  # pragma: no cover - reported to the caller
    print("redis-py is not installed (Debian: apt-get install python3-redis)", file=sys.stderr)
    sys.exit(2)


def check(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def raises(fn, fragment, what):
    try:
        fn()
    except redis.ResponseError as e:
        if fragment not in str(e):
            raise AssertionError(f"{what}: expected an error containing {fragment!r}, got {e!r}")
        return
    raise AssertionError(f"{what}: expected an error containing {fragment!r}, got none")


def family_strings(r, k):
    check(r.set(k("s"), "hello"), True, "SET")
    check(r.get(k("s")), b"hello", "GET")
    check(r.append(k("s"), " world"), 11, "APPEND")
    check(r.strlen(k("s")), 11, "STRLEN")
    check(r.getrange(k("s"), 0, 4), b"hello", "GETRANGE")
    check(r.setrange(k("s"), 6, "WORLD"), 11, "SETRANGE")
    check(r.get(k("s")), b"hello WORLD", "GET after SETRANGE")
    check(r.set(k("s"), "x", nx=True), None, "SET NX on an existing key")
    check(r.set(k("new"), "x", xx=True), None, "SET XX on a missing key")
    check(r.getset(k("s"), "v2"), b"hello WORLD", "GETSET")
    check(r.mset({k("m1"): "1", k("m2"): b"\x00\xff binary"}), True, "MSET")
    check(r.mget(k("m1"), k("m2"), k("missing")), [b"1", b"\x00\xff binary", None], "MGET")
    check(r.msetnx({k("m1"): "z", k("m3"): "z"}), False, "MSETNX with one existing key")
    check(r.getdel(k("m1")), b"1", "GETDEL")
    check(r.get(k("m1")), None, "GET after GETDEL")
    big = bytes(range(256)) * 4096  # 1 MB, every byte value
    check(r.set(k("big"), big), True, "SET 1 MB")
    check(r.get(k("big")), big, "GET 1 MB")


def family_keys(r, k):
    r.set(k("a"), "1")
    check(r.exists(k("a"), k("missing"), k("a")), 2, "EXISTS counts repeats")
    check(r.type(k("a")), b"string", "TYPE")
    check(r.expire(k("a"), 100), True, "EXPIRE")
    ttl = r.ttl(k("a"))
    if not 0 < ttl <= 100:
        raise AssertionError(f"TTL: expected 1..100, got {ttl}")
    check(r.persist(k("a")), True, "PERSIST")
    check(r.ttl(k("a")), -1, "TTL after PERSIST")
    check(r.rename(k("a"), k("b")), True, "RENAME")
    check(r.get(k("b")), b"1", "GET renamed")
    check(r.copy(k("b"), k("c")), True, "COPY")
    check(sorted(r.keys(k("*"))), sorted([k("b").encode(), k("c").encode()]), "KEYS with the run's prefix")
    seen = set()
    for key in r.scan_iter(match=k("*"), count=5):
        seen.add(key)
    check(seen, {k("b").encode(), k("c").encode()}, "SCAN with MATCH")
    check(r.delete(k("b"), k("c"), k("missing")), 2, "DEL")
    r.set(k("short"), "v", px=150)
    deadline = time.monotonic() + 5
    while r.exists(k("short")) and time.monotonic() < deadline:
        time.sleep(0.02)
    check(r.exists(k("short")), 0, "a PX key expires")


def family_counters(r, k):
    check(r.incr(k("n")), 1, "INCR on a missing key")
    check(r.incrby(k("n"), 41), 42, "INCRBY")
    check(r.decr(k("n")), 41, "DECR")
    check(r.decrby(k("n"), 50), -9, "DECRBY")
    check(r.incrbyfloat(k("f"), 0.1), 0.1, "INCRBYFLOAT")
    check(r.incrbyfloat(k("f"), 0.2), 0.3, "INCRBYFLOAT 0.1 + 0.2")
    check(r.get(k("f")), b"0.3", "INCRBYFLOAT prints like Redis")
    r.set(k("text"), "abc")
    raises(lambda: r.incr(k("text")), "not an integer", "INCR on text")
    r.set(k("max"), str(2**63 - 1))
    raises(lambda: r.incr(k("max")), "overflow", "INCR past 2^63-1")


def family_bitmaps(r, k):
    check(r.setbit(k("b"), 7, 1), 0, "SETBIT")
    check(r.setbit(k("b"), 7, 1), 1, "SETBIT again")
    check(r.getbit(k("b"), 7), 1, "GETBIT")
    check(r.get(k("b")), b"\x01", "a bitmap is a string")
    for bit in range(0, 1000, 7):
        r.setbit(k("days"), bit, 1)
    check(r.bitcount(k("days")), 143, "BITCOUNT")
    check(r.bitcount(k("days"), 0, 0), 2, "BITCOUNT of byte 0")
    check(r.bitpos(k("days"), 1, 1), 14, "BITPOS from byte 1")
    r.set(k("x"), "foobar")
    r.set(k("y"), "abcdef")
    check(r.bitop("AND", k("and"), k("x"), k("y")), 6, "BITOP AND")
    check(r.get(k("and")), b"`bc`ab", "BITOP AND result")
    check(r.bitop("NOT", k("not"), k("x")), 6, "BITOP NOT")
    check(r.bitcount(k("not")), 48 - 26, "BITCOUNT of NOT")
    field = r.bitfield(k("bf"))
    field.set("u8", 0, 200).incrby("u8", 0, 100).overflow("SAT").incrby("u8", 0, 100).get("i8", 0)
    check(field.execute(), [0, 44, 144, -112], "BITFIELD SET, INCRBY wrap, INCRBY sat, GET")
    fail = r.bitfield(k("bf")).overflow("FAIL").incrby("u8", 0, 1000)
    check(fail.execute(), [None], "BITFIELD OVERFLOW FAIL")
    raises(lambda: r.setbit(k("b"), 2**32, 1), "bit offset is not an integer or out of range", "SETBIT past 2^32-1")
    # redis-py's setbit() turns any true value into 1, so send the raw command
    raises(lambda: r.execute_command("SETBIT", k("b"), 1, 2), "bit is not an integer or out of range", "SETBIT 2")


def family_hll(r, k):
    check(r.pfadd(k("h"), *[f"user:{i}" for i in range(1000)]), 1, "PFADD")
    check(r.pfadd(k("h"), "user:1", "user:2"), 0, "PFADD of known elements")
    count = r.pfcount(k("h"))
    if abs(count - 1000) > 30:
        raise AssertionError(f"PFCOUNT of 1000 elements: {count}")
    r.pfadd(k("h2"), *[f"user:{i}" for i in range(500, 1500)])
    union = r.pfcount(k("h"), k("h2"))
    if abs(union - 1500) > 45:
        raise AssertionError(f"PFCOUNT of the union of 1500 elements: {union}")
    check(r.pfmerge(k("m"), k("h"), k("h2")), True, "PFMERGE")
    check(r.pfcount(k("m")), union, "PFCOUNT after PFMERGE")
    check(r.get(k("m"))[:4], b"HYLL", "a HLL is a string in Redis's format")
    r.set(k("plain"), "not a hll")
    raises(lambda: r.pfcount(k("plain")), "not a valid HyperLogLog string value", "PFCOUNT of a plain string")


FAMILIES = [
    ("strings", family_strings),
    ("keys", family_keys),
    ("counters", family_counters),
    ("bitmaps", family_bitmaps),
    ("hll", family_hll),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6379)
    parser.add_argument("--family", action="append", choices=[name for name, _ in FAMILIES],
                        help="run only these families (repeatable); default: all")
    args = parser.parse_args()

    r = redis.Redis(host=args.host, port=args.port, socket_timeout=10)
    check(r.ping(), True, "PING")
    run = uuid.uuid4().hex[:8]
    chosen = [(n, f) for n, f in FAMILIES if not args.family or n in args.family]
    for name, family in chosen:
        prefix = f"py:{run}:{name}:"
        try:
            family(r, lambda key, p=prefix: p + key)
        except Exception:
            print(f"FAILED family {name}", file=sys.stderr)
            traceback.print_exc()
            return 1
        print(f"ok {name}")
    print(f"passed {len(chosen)} families")
    return 0


if __name__ == "__main__":
    sys.exit(main())
