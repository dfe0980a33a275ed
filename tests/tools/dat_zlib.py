#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Test driver: rewrite a little-endian trace.dat v7 compressed with zstd as the same file
compressed with zlib, the way trace-cmd's zlib codec writes one (codec "zlib" and zlib's
version in the header, every compressed section and data chunk one zlib stream, as
compress2() makes them). Debian 12's trace-cmd has no zlib codec, so this stands in for a
trace-cmd zlib file; everything else (section order, options, chunking, padding rules)
stays as the original writer laid it out.

    dat_zlib.py IN OUT
    dat_zlib.py --first-chunk FILE	prints the file offset of the first CPU's data
"""
import struct
import subprocess
import sys
import zlib

SEC_HDR = 16
OPTIONS, BUFFER, BUFFER_TEXT = 0, 3, 22
OFFSET_OPTIONS = (16, 17, 18, 19, 20, 21, 23, 25)	# u64 offset of a section


def unzstd(data):
    return subprocess.run(['zstd', '-d', '-c', '-q'], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def rezip(data, usize):
    raw = unzstd(data)
    if len(raw) != usize:
        sys.exit('dat_zlib: a block inflates to %d bytes, not %d' % (len(raw), usize))
    return zlib.compress(raw, 9)


def sections(d, pos):
    """(start, id, flags, size) of every section, walked one after the other."""
    while pos + SEC_HDR <= len(d):
        sid, flags, _, size = struct.unpack_from('<HHIQ', d, pos)
        yield pos, sid, flags, size
        pos += SEC_HDR + size


def options(d, start, size):
    """(offset of the option's data, id, size) of each option of an options section."""
    pos, end = start + SEC_HDR, start + SEC_HDR + size
    while pos + 6 <= end:
        oid, osize = struct.unpack_from('<HI', d, pos)
        yield pos + 6, oid, osize
        pos += 6 + osize


def buffer_cpus(d, at):
    """Position of the CPU table of a BUFFER option's data at, and its CPU count."""
    pos = at + 8
    pos = d.index(b'\0', pos) + 1		# name
    pos = d.index(b'\0', pos) + 1		# clock
    page, count = struct.unpack_from('<II', d, pos)
    return pos + 8, count, page


def first_chunk(path):
    d = open(path, 'rb').read()
    pos = d.index(b'\0', d.index(b'\0', 18) + 1) + 1 + 8
    offs = [struct.unpack_from('<IQQ', d, table + 20 * i)[1]
            for start, sid, _, size in sections(d, pos) if sid == OPTIONS
            for at, oid, _ in options(d, start, size) if oid == BUFFER
            for table, count, _ in [buffer_cpus(d, at)] for i in range(count)]
    print(min(offs))


def main():
    if sys.argv[1] == '--first-chunk':
        first_chunk(sys.argv[2])
        return
    d = open(sys.argv[1], 'rb').read()
    if d[10:12] != b'7\0' or d[12] != 0:
        sys.exit('dat_zlib: a little-endian v7 file expected')
    pos = 18
    codec_end = d.index(b'\0', d.index(b'\0', pos) + 1) + 1
    if d[pos:d.index(b'\0', pos)] != b'zstd':
        sys.exit('dat_zlib: a zstd file expected')
    first = struct.unpack_from('<Q', d, codec_end)[0]
    secs = list(sections(d, codec_end + 8))

    # The per-CPU data of every buffer: old offset -> stored size, and its page size.
    cpu_data = {}
    for start, sid, flags, size in secs:
        if sid != OPTIONS:
            continue
        for at, oid, osize in options(d, start, size):
            if oid == BUFFER:
                table, count, page = buffer_cpus(d, at)
                for i in range(count):
                    _, off, stored = struct.unpack_from('<IQQ', d, table + 20 * i)
                    cpu_data[off] = (stored, page)

    out = bytearray(d[:pos])
    out += b'zlib\0' + zlib.ZLIB_VERSION.encode() + b'\0'
    first_at = len(out)
    out += struct.pack('<Q', 0)
    sec_map, cpu_map, new_options = {}, {}, []
    for start, sid, flags, size in secs:
        new = len(out)
        sec_map[start] = new
        body = d[start + SEC_HDR:start + SEC_HDR + size]
        if sid == OPTIONS:
            if flags & 1:
                sys.exit('dat_zlib: a compressed options section')
            new_options.append((new, size))
        elif sid == BUFFER and flags & 1:
            out += d[start:start + SEC_HDR]
            for off in sorted(o for o in cpu_data if start < o < start + SEC_HDR + size):
                stored, page = cpu_data[off]
                while len(out) % page:
                    out.append(0)
                at = len(out)
                n = struct.unpack_from('<I', d, off)[0]
                out += struct.pack('<I', n)
                p = off + 4
                for _ in range(n):
                    csize, usize = struct.unpack_from('<II', d, p)
                    z = rezip(d[p + 8:p + 8 + csize], usize)
                    out += struct.pack('<II', len(z), usize) + z
                    p += 8 + csize
                # Keep the writer's convention for the stored size (with or without the
                # chunk count).
                cpu_map[off] = (at, len(out) - at - (p - off - stored))
            struct.pack_into('<Q', out, new + 8, len(out) - new - SEC_HDR)
            continue
        elif flags & 1:
            csize, usize = struct.unpack_from('<II', body, 0)
            z = rezip(body[8:8 + csize], usize)
            body = struct.pack('<II', len(z), usize) + z
        out += struct.pack('<HHIQ', sid, flags, struct.unpack_from('<I', d, start + 4)[0],
                           len(body))
        out += body

    # Offsets in the options, now that every section has its place.
    def moved(off):
        if off and off not in sec_map:
            sys.exit('dat_zlib: offset %d is not a section start' % off)
        return sec_map[off] if off else 0

    struct.pack_into('<Q', out, first_at, moved(first))
    for new, size in new_options:
        for at, oid, osize in list(options(out, new, size)):
            if oid in OFFSET_OPTIONS or oid == BUFFER_TEXT or (oid == OPTIONS and osize == 8):
                struct.pack_into('<Q', out, at, moved(struct.unpack_from('<Q', out, at)[0]))
            elif oid == BUFFER:
                struct.pack_into('<Q', out, at, moved(struct.unpack_from('<Q', out, at)[0]))
                table, count, _ = buffer_cpus(out, at)
                for i in range(count):
                    _, off, _ = struct.unpack_from('<IQQ', out, table + 20 * i)
                    struct.pack_into('<QQ', out, table + 20 * i + 4, *cpu_map[off])
    open(sys.argv[2], 'wb').write(out)


if __name__ == '__main__':
    main()
