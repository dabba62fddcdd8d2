#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace repodeck::core::git {

// Line-ending conversion for checkout without libgit2's buffered filter,
// which keeps a copy of a whole blob and a converted copy besides it (found
// in review: one 1900 MiB blob with eol=crlf cost 11.7 GB and could not be
// stopped). Used for large blobs whose only filter is "crlf"
// (WorkTreeWriter): the decision stays libgit2's, made on a small sample
// with the same text statistics as the blob (sampleLike), and the
// conversion streams to the file.

// libgit2 1.5.1's git_str_text_stats, as git_str_gather_text_stats fills it
// (without skipping a BOM, as the checkout direction calls it).
struct TextStats
{
    uint32_t nul = 0, cr = 0, lf = 0, crlf = 0;
    uint32_t printable = 0, nonprintable = 0;
};

// Fills `stats`; returns whether libgit2 would call the text binary.
bool gatherTextStats(const char *data, size_t size, TextStats *stats);

// A few bytes that libgit2's crlf filter (src/libgit2/crlf.c,
// crlf_apply_to_workdir) converts if and only if it would convert a buffer
// with `stats`, whatever the attributes: lone LFs, any CR, binary or not.
// Empty when nothing needs converting whatever the attributes (no lone LF).
std::string sampleLike(const TextStats &stats);

// Every LF not preceded by CR becomes CRLF (git_str_lf_to_crlf), handed to
// `sink` in pieces of at most about `piece` bytes. False as soon as `sink`
// returns false.
bool lfToCrlf(const char *data, size_t size, const std::function<bool(const char *, size_t)> &sink,
              size_t piece = size_t(8) << 20);

} // namespace repodeck::core::git
