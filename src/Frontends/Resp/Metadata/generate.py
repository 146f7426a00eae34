#!/usr/bin/env python3
"""Writes redis-7.0.15-commands.json: what redis-server 7.0.15 says about each of its commands and subcommands
(COMMAND INFO's flags, ACL categories, tips and key specs; COMMAND DOCS without Redis's prose), for HyperCache's COMMAND replies.

    redis-server --port 26391 --bind 127.0.0.1 --save '' --appendonly no &
    python3 src/Frontends/Resp/Metadata/generate.py --port 26391 > src/Frontends/Resp/Metadata/redis-7.0.15-commands.json

Arity, first/last key and step, and which commands and subcommands exist are not taken from here: HyperCache's
command table (CommandCatalog) states them. A value keeps its RESP3 type: a JSON string is a bulk string, a number
an integer, an array an array, an object a map (keys in Redis's order), {"~": [...]} a set, {"+": "x"} a simple
string."""
import argparse, json, socket, sys


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        self.buf = b''

    def send(self, *args):
        out = b'*%d\r\n' % len(args)
        for a in args:
            a = a.encode()
            out += b'$%d\r\n%s\r\n' % (len(a), a)
        self.s.sendall(out)
        return self.read()

    def _fill(self, n):
        while len(self.buf) < n:
            d = self.s.recv(1 << 16)
            if not d:
                raise EOFError
            self.buf += d

    def line(self):
        while b'\r\n' not in self.buf:
            self._fill(len(self.buf) + 1)
        i = self.buf.index(b'\r\n')
        l, self.buf = self.buf[:i], self.buf[i + 2:]
        return l

    def read(self):
        l = self.line()
        t, rest = chr(l[0]), l[1:]
        if t == '+':
            return {'+': rest.decode()}
        if t == '-':
            raise RuntimeError(rest.decode())
        if t == ':':
            return int(rest)
        if t in '$=':
            n = int(rest)
            self._fill(n + 2)
            b, self.buf = self.buf[:n], self.buf[n + 2:]
            return b.decode()[4:] if t == '=' else b.decode()
        if t == '*':
            return [self.read() for _ in range(int(rest))]
        if t == '~':
            return {'~': [self.read() for _ in range(int(rest))]}
        if t == '%':
            m = {}
            for _ in range(int(rest)):
                k = self.read()
                m[k] = self.read()
            return m
        raise ValueError(l)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    args = p.parse_args()
    c = Conn(args.host, args.port)
    c.send('HELLO', '3')
    version = c.send('INFO', 'server')
    version = next(l.split(':')[1] for l in version.split('\r\n') if l.startswith('redis_version:'))
    commands = {}

    def add(entry):
        name = entry[0]
        commands[name] = {
            'flags': [f['+'] for f in entry[2]['~']],
            'acl': [f['+'] for f in entry[6]['~']],
            'tips': entry[7],
            'key_specs': entry[8],
        }
        for sub in (entry[9]['~'] if isinstance(entry[9], dict) else entry[9]):
            add(sub)

    for entry in c.send('COMMAND'):
        add(entry)
    for name in sorted(commands):
        docs = c.send('COMMAND', 'DOCS', name)[name]
        docs.pop('subcommands', None)
        # Redis's prose (what a command does, its complexity, the notes on its history) is Redis's documentation,
        # not part of the protocol: left out. The structure clients read (arguments, since, group) stays; the summaries
        # COMMAND DOCS gives are HyperCache's own, in command-summaries.json.
        for prose in ('summary', 'complexity', 'history'):
            docs.pop(prose, None)
        commands[name]['docs'] = docs
    # one command a line, so that a regenerated file diffs by command
    compact = dict(ensure_ascii=False, separators=(',', ':'))
    lines = [json.dumps(name, **compact) + ':' + json.dumps(commands[name], **compact) for name in sorted(commands)]
    sys.stdout.write('{"redis_version":' + json.dumps(version) + ',"commands":{\n' + ',\n'.join(lines) + '\n}}\n')


if __name__ == '__main__':
    main()
