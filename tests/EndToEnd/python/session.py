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


def family_lists(r, k):
    check(r.rpush(k("l"), "a", "b", "c"), 3, "RPUSH")
    check(r.lpush(k("l"), "z"), 4, "LPUSH")
    check(r.lrange(k("l"), 0, -1), [b"z", b"a", b"b", b"c"], "LRANGE")
    check(r.lindex(k("l"), -1), b"c", "LINDEX -1")
    check(r.linsert(k("l"), "BEFORE", "b", "a2"), 5, "LINSERT")
    check(r.lpos(k("l"), "b"), 3, "LPOS")
    check(r.lrem(k("l"), 0, "a2"), 1, "LREM")
    check(r.lset(k("l"), 0, "y"), True, "LSET")
    check(r.lpop(k("l")), b"y", "LPOP")
    check(r.rpop(k("l"), 2), [b"c", b"b"], "RPOP with count")
    check(r.llen(k("l")), 1, "LLEN")
    check(r.lmove(k("l"), k("l2"), "LEFT", "RIGHT"), b"a", "LMOVE")
    check(r.exists(k("l")), 0, "an emptied list is deleted")
    check(r.blpop([k("l2")], timeout=1), (k("l2").encode(), b"a"), "BLPOP on a non-empty list")
    check(r.blpop([k("empty")], timeout=0.2), None, "BLPOP times out with nil")
    r.set(k("s"), "x")
    raises(lambda: r.lpush(k("s"), "a"), "WRONGTYPE", "LPUSH on a string")


def family_hashes(r, k):
    check(r.hset(k("h"), mapping={"f1": "v1", "f2": "v2"}), 2, "HSET mapping")
    check(r.hget(k("h"), "f1"), b"v1", "HGET")
    check(r.hgetall(k("h")), {b"f1": b"v1", b"f2": b"v2"}, "HGETALL")
    check(r.hsetnx(k("h"), "f1", "x"), False, "HSETNX existing")
    check(r.hincrby(k("h"), "n", 5), 5, "HINCRBY")
    check(r.hincrbyfloat(k("h"), "fl", 1.5), 1.5, "HINCRBYFLOAT")
    check(sorted(r.hkeys(k("h"))), [b"f1", b"f2", b"fl", b"n"], "HKEYS")
    check(r.hlen(k("h")), 4, "HLEN")
    check(r.hmget(k("h"), "f1", "nope"), [b"v1", None], "HMGET")
    check(r.hdel(k("h"), "f1", "nope"), 1, "HDEL")
    check(r.hexists(k("h"), "f1"), False, "HEXISTS after HDEL")
    check(r.hstrlen(k("h"), "f2"), 2, "HSTRLEN")
    seen = {f for f, _ in r.hscan_iter(k("h"))}
    check(seen, {b"f2", b"fl", b"n"}, "HSCAN")
    raises(lambda: r.hincrby(k("h"), "f2", 1), "hash value is not an integer", "HINCRBY on text")


def family_sets(r, k):
    check(r.sadd(k("a"), "1", "2", "3"), 3, "SADD")
    check(r.sadd(k("b"), "2", "3", "4"), 3, "SADD b")
    check(r.smembers(k("a")), {b"1", b"2", b"3"}, "SMEMBERS")
    check(r.sismember(k("a"), "2"), True, "SISMEMBER")
    check(r.sinter(k("a"), k("b")), {b"2", b"3"}, "SINTER")
    check(r.sunion(k("a"), k("b")), {b"1", b"2", b"3", b"4"}, "SUNION")
    check(r.sdiff(k("a"), k("b")), {b"1"}, "SDIFF")
    check(r.sinterstore(k("c"), k("a"), k("b")), 2, "SINTERSTORE")
    check(r.scard(k("c")), 2, "SCARD")
    check(r.smove(k("a"), k("b"), "1"), True, "SMOVE")
    check(r.srem(k("b"), "1", "9"), 1, "SREM")
    popped = r.spop(k("c"))
    check(popped in (b"2", b"3"), True, "SPOP returns a member")
    check(r.scard(k("c")), 1, "SCARD after SPOP")
    check(set(r.sscan_iter(k("b"))), {b"2", b"3", b"4"}, "SSCAN")


def family_sorted_sets(r, k):
    check(r.zadd(k("z"), {"a": 1, "b": 2, "c": 3}), 3, "ZADD")
    check(r.zscore(k("z"), "b"), 2.0, "ZSCORE")
    check(r.zincrby(k("z"), 10, "a"), 11.0, "ZINCRBY")
    check(r.zrange(k("z"), 0, -1), [b"b", b"c", b"a"], "ZRANGE")
    check(r.zrange(k("z"), 0, 0, withscores=True), [(b"b", 2.0)], "ZRANGE WITHSCORES")
    check(r.zrangebyscore(k("z"), 2, "(11"), [b"b", b"c"], "ZRANGEBYSCORE")
    check(r.zrank(k("z"), "a"), 2, "ZRANK")
    check(r.zrevrank(k("z"), "a"), 0, "ZREVRANK")
    check(r.zcount(k("z"), "-inf", "+inf"), 3, "ZCOUNT")
    check(r.zadd(k("z"), {"b": 5}, xx=True, ch=True), 1, "ZADD XX CH")
    check(r.zpopmin(k("z")), [(b"c", 3.0)], "ZPOPMIN")
    check(r.zunionstore(k("u"), {k("z"): 2}), 2, "ZUNIONSTORE WEIGHTS")
    check(r.zrange(k("u"), 0, -1, withscores=True), [(b"b", 10.0), (b"a", 22.0)], "ZUNIONSTORE result")
    check(r.zrem(k("z"), "a", "b"), 2, "ZREM")
    check(r.exists(k("z")), 0, "an emptied sorted set is deleted")
    raises(lambda: r.execute_command("ZADD", k("z"), "NX", "XX", 1, "a"), "not compatible", "ZADD NX XX")


def family_transactions(r, k):
    pipe = r.pipeline(transaction=True)
    pipe.set(k("a"), "1").incr(k("a")).rpush(k("l"), "x").hset(k("h"), "f", "v")
    check(pipe.execute(), [True, 2, 1, 1], "MULTI/EXEC through a redis-py pipeline")
    # WATCH: a write by another connection between WATCH and EXEC aborts the transaction.
    other = redis.Redis(connection_pool=redis.ConnectionPool(**r.connection_pool.connection_kwargs))
    with r.pipeline() as watched:
        watched.watch(k("a"))
        other.set(k("a"), "changed")
        watched.multi()
        watched.set(k("a"), "mine")
        try:
            watched.execute()
            raise AssertionError("EXEC after a concurrent write to a watched key succeeded")
        except redis.WatchError:
            pass
    check(r.get(k("a")), b"changed", "the aborted transaction wrote nothing")
    other.close()


def family_pubsub(r, k):
    p = r.pubsub()
    p.subscribe(k("chan"))
    p.psubscribe(k("pat:*"))
    deadline = time.time() + 5
    # drain the two subscribe confirmations
    confirmations = 0
    while confirmations < 2 and time.time() < deadline:
        m = p.get_message(timeout=1)
        if m and m["type"] in ("subscribe", "psubscribe"):
            confirmations += 1
    check(confirmations, 2, "SUBSCRIBE and PSUBSCRIBE confirmed")
    check(r.publish(k("chan"), "hello"), 1, "PUBLISH to one subscriber")
    check(r.publish(k("pat:x"), "world"), 1, "PUBLISH matching a pattern")
    got = []
    while len(got) < 2 and time.time() < deadline:
        m = p.get_message(timeout=1)
        if m and m["type"] in ("message", "pmessage"):
            got.append((m["type"], m["channel"], m["data"]))
    check(got, [("message", k("chan").encode(), b"hello"), ("pmessage", k("pat:x").encode(), b"world")], "messages delivered in order")
    check(r.pubsub_numsub(k("chan")), [(k("chan").encode(), 1)], "PUBSUB NUMSUB")
    p.close()


def family_command_table(r, k):
    # what a cluster client reads: COMMAND's key positions and flags, COMMAND GETKEYS for movable keys
    def text(x):
        return x.decode() if isinstance(x, bytes) else x
    info = r.command()
    get = info["get"]
    check((get["arity"], get["first_key_pos"], get["last_key_pos"], get["step_count"]), (2, 1, 1, 1), "COMMAND's GET")
    check(sorted(text(f) for f in get["flags"]), ["fast", "readonly"], "GET's flags")
    check(sorted(text(f) for f in info["set"]["flags"]), ["denyoom", "write"], "SET's flags")
    check(sorted(text(f) for f in info["xreadgroup"]["flags"]), ["blocking", "movablekeys", "write"], "XREADGROUP's flags")
    check(len(info["xgroup"]["subcommands"]) > 0, True, "XGROUP lists its subcommands")
    try:
        from redis.commands.parser import CommandsParser
    except ImportError:  # redis-py before 4: COMMAND alone is checked
        return
    parser = CommandsParser(r)
    a, b, d = k("a"), k("b"), k("d")
    for line, keys in [
        (["GET", a], [a]),
        (["MSET", a, "1", b, "2"], [a, b]),
        (["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", a, b, "0", "0"], [a, b]),
        (["XREAD", "BLOCK", "0", "STREAMS", a, b, "$", "$"], [a, b]),
        (["EVAL", "return 1", "2", a, b, "x"], [a, b]),
        (["ZUNIONSTORE", d, "2", a, b], [d, a, b]),
        (["SORT", a, "BY", "w", "STORE", d], [a, d]),
        (["LMPOP", "2", a, b, "LEFT"], [a, b]),
        (["XGROUP", "CREATE", a, "g", "$"], [a]),
        (["OBJECT", "ENCODING", a], [a]),
    ]:
        check([text(x) for x in parser.get_keys(r, *line)], keys, "keys of " + " ".join(line[:2]))


FAMILIES = [
    ("strings", family_strings),
    ("keys", family_keys),
    ("counters", family_counters),
    ("bitmaps", family_bitmaps),
    ("hll", family_hll),
    ("lists", family_lists),
    ("hashes", family_hashes),
    ("sets", family_sets),
    ("sorted_sets", family_sorted_sets),
    ("transactions", family_transactions),
    ("pubsub", family_pubsub),
    ("command_table", family_command_table),
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
