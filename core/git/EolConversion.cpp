#include "git/EolConversion.h"

#include <algorithm>
#include <cstring>

namespace repodeck::core::git {

bool gatherTextStats(const char *data, size_t size, TextStats *stats)
{
    *stats = TextStats();
    const auto *scan = reinterpret_cast<const unsigned char *>(data);
    const unsigned char *end = scan + size;
    if (size > 0 && end[-1] == 0x1a) // a trailing EOF character is ignored
        --end;
    while (scan < end) {
        const unsigned char c = *scan++;
        if (c > 0x1f && c != 0x7f) {
            ++stats->printable;
            continue;
        }
        switch (c) {
        case '\0':
            ++stats->nul;
            ++stats->nonprintable;
            break;
        case '\n': ++stats->lf; break;
        case '\r':
            ++stats->cr;
            if (scan < end && *scan == '\n')
                ++stats->crlf;
            break;
        case '\t':
        case '\f':
        case '\v':
        case '\b':
        case 0x1b: ++stats->printable; break;
        default: ++stats->nonprintable; break;
        }
    }
    return stats->cr != stats->crlf || stats->nul > 0
           || (stats->printable >> 7) < stats->nonprintable;
}

std::string sampleLike(const TextStats &stats)
{
    if (stats.lf == 0 || stats.lf == stats.crlf)
        return {};
    // "a\n": text with a lone LF, which every crlf action converts. The
    // "auto" actions leave alone anything with a CR, and anything binary.
    std::string sample = "a\n";
    const bool binary = stats.cr != stats.crlf || stats.nul > 0
                        || (stats.printable >> 7) < stats.nonprintable;
    if (stats.cr > 0)
        sample += '\r';
    else if (binary)
        sample += '\0';
    return sample;
}

bool lfToCrlf(const char *data, size_t size, const std::function<bool(const char *, size_t)> &sink,
              size_t piece)
{
    std::string out;
    out.reserve(piece + 2);
    const auto flushIfFull = [&] {
        if (out.size() < piece)
            return true;
        const bool ok = sink(out.data(), out.size());
        out.clear();
        return ok;
    };
    const char *scan = data;
    const char *end = data + size;
    while (scan < end) {
        const void *found = std::memchr(scan, '\n', size_t(end - scan));
        const char *next = found ? static_cast<const char *>(found) : end;
        size_t copy = size_t(next - scan);
        // As git_str_lf_to_crlf: an LF after a CR stays as it is.
        if (next < end && copy > 0 && next[-1] == '\r')
            --copy;
        // A long line goes in pieces too.
        while (copy > 0) {
            const size_t take = std::min(copy, piece - std::min(piece - 1, out.size()));
            out.append(scan, take);
            scan += take;
            copy -= take;
            if (!flushIfFull())
                return false;
        }
        if (next < end) {
            out.append("\r\n", 2);
            if (!flushIfFull())
                return false;
        }
        scan = next < end ? next + 1 : end;
    }
    return out.empty() || sink(out.data(), out.size());
}

} // namespace repodeck::core::git
