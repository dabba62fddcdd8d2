#include "git/TreeRules.h"

#include <QString>

#include <cctype>
#include <cstdio>

namespace repodeck::core::git {

namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// The code point at s[*i] (advancing *i), or kInvalid for a malformed,
// overlong or surrogate sequence (then *i moves by one byte).
char32_t nextCodePoint(std::string_view s, size_t *i)
{
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(*i);
    if (b0 < 0x80) {
        ++*i;
        return b0;
    }
    size_t len = 0;
    char32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
    } else {
        ++*i;
        return kInvalid;
    }
    if (*i + len > s.size()) {
        ++*i;
        return kInvalid;
    }
    for (size_t k = 1; k < len; ++k) {
        if ((byte(*i + k) & 0xC0) != 0x80) {
            ++*i;
            return kInvalid;
        }
        cp = (cp << 6) | (byte(*i + k) & 0x3F);
    }
    static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinimum[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++*i;
        return kInvalid;
    }
    *i += len;
    return cp;
}

// Code points HFS+ leaves out of a name when it compares names.
bool hfsIgnorable(char32_t c)
{
    return (c >= 0x200C && c <= 0x200F) || (c >= 0x202A && c <= 0x202E)
           || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF;
}

char lower(char c)
{
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool startsWithNoCase(std::string_view s, std::string_view prefix)
{
    if (s.size() < prefix.size())
        return false;
    for (size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != lower(prefix[i]))
            return false;
    return true;
}

// From s[i] on, only dots and spaces up to the end or a ':' (an NTFS stream).
bool onlyDotsAndSpacesFrom(std::string_view s, size_t i, bool backslashEnds)
{
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c == ':' || (backslashEnds && c == '\\'))
            return true;
        if (c != '.' && c != ' ')
            return false;
    }
    return true;
}

// NTFS reads `s` as `.git`: `.git` or `git~1` in any case, then only dots
// and spaces up to the end, a `\` or a stream (`:`).
bool ntfsDotGit(std::string_view s)
{
    if (startsWithNoCase(s, ".git"))
        return onlyDotsAndSpacesFrom(s, 4, true);
    if (startsWithNoCase(s, "git~1"))
        return onlyDotsAndSpacesFrom(s, 5, true);
    return false;
}

// NTFS reads `s` as `.NAME` (`dotless` is NAME, `shortPrefix` the first six
// characters of its hashed 8.3 short name): the long name, its regular 8.3
// form (first six characters, `~1` to `~4`) or the hashed fall-back form.
bool ntfsDotName(std::string_view s, std::string_view dotless, std::string_view shortPrefix)
{
    if (!s.empty() && s[0] == '.' && startsWithNoCase(s.substr(1), dotless))
        return onlyDotsAndSpacesFrom(s, dotless.size() + 1, false);
    if (startsWithNoCase(s, dotless.substr(0, 6)) && s.size() > 7 && s[6] == '~' && s[7] >= '1'
        && s[7] <= '4')
        return onlyDotsAndSpacesFrom(s, 8, false);
    // Fall-back short names: up to six characters of the hashed prefix, `~`
    // and a digit 1-9, then digits only, eight characters in all.
    bool sawTilde = false;
    for (size_t i = 0; i < 8; ++i) {
        if (i >= s.size())
            return false;
        const char c = s[i];
        if (sawTilde) {
            if (c < '0' || c > '9')
                return false;
        } else if (c == '~') {
            ++i;
            if (i >= s.size() || s[i] < '1' || s[i] > '9')
                return false;
            sawTilde = true;
        } else if (i >= 6 || (static_cast<unsigned char>(c) & 0x80) || lower(c) != shortPrefix[i]) {
            return false;
        }
    }
    return onlyDotsAndSpacesFrom(s, 8, false);
}

// HFS+ reads `s` as `.NAME` once its ignorable code points are left out
// (ASCII case-insensitively; anything malformed after the name counts as
// the end, as git decides).
bool hfsDotName(std::string_view s, std::string_view dotless)
{
    size_t i = 0;
    auto next = [&]() -> char32_t {
        while (i < s.size()) {
            const char32_t c = nextCodePoint(s, &i);
            if (!hfsIgnorable(c))
                return c;
        }
        return 0;
    };
    if (next() != U'.')
        return false;
    for (const char n : dotless) {
        const char32_t c = next();
        if (c > 127 || lower(static_cast<char>(c)) != n)
            return false;
    }
    const char32_t after = next();
    return after == 0 || after == kInvalid;
}

struct DotFile
{
    const char *dotless;
    const char *shortPrefix;
};
// git's own list: what git refuses (.gitmodules) or fsck reports as a link.
constexpr DotFile kNoLinks[] = {{"gitmodules", "gi7eba"},
                                {"gitattributes", "gi7d29"},
                                {"gitignore", "gi250a"},
                                {"mailmap", "maba30"}};

} // namespace

EntryKind entryKind(uint32_t mode)
{
    switch (mode) {
    case 0100644:
    case 0100664: return EntryKind::File;
    case 0100755: return EntryKind::Executable;
    case 0120000: return EntryKind::Link;
    case 0040000: return EntryKind::Tree;
    case 0160000: return EntryKind::Submodule;
    default: return EntryKind::Unknown;
    }
}

const char *refusedName(std::string_view name, EntryKind kind)
{
    if (name.empty())
        return "has an empty name";
    if (name == "." || name == "..")
        return "is named '.' or '..'";
    if (name.find('/') != std::string_view::npos)
        return "has a '/' in its name";
    if (name.find('\0') != std::string_view::npos)
        return "has a NUL in its name";
    // Each `\` starts a new name on Windows.
    for (size_t start = 0; start != std::string_view::npos;) {
        const std::string_view part = name.substr(start);
        if (ntfsDotGit(part))
            return "is .git as Windows reads it (case, trailing dots or spaces, git~1, a stream)";
        if (kind == EntryKind::Link)
            for (const DotFile &f : kNoLinks)
                if (ntfsDotName(part, f.dotless, f.shortPrefix)
                    || (start == 0 && hfsDotName(part, f.dotless)))
                    return "is a symbolic link named .gitmodules, .gitattributes, .gitignore or .mailmap";
        const size_t backslash = name.find('\\', start);
        start = backslash == std::string_view::npos ? backslash : backslash + 1;
    }
    if (hfsDotName(name, "git"))
        return "is .git as macOS reads it (with invisible characters)";
    return nullptr;
}

std::string foldedName(std::string_view name)
{
    std::string kept;
    kept.reserve(name.size());
    for (size_t i = 0; i < name.size();) {
        const size_t at = i;
        if (!hfsIgnorable(nextCodePoint(name, &i)))
            kept.append(name.substr(at, i - at));
    }
    QString s = QString::fromUtf8(kept.data(), static_cast<qsizetype>(kept.size()));
    s = s.normalized(QString::NormalizationForm_C).toCaseFolded();
    while (s.endsWith(QLatin1Char('.')) || s.endsWith(QLatin1Char(' ')))
        s.chop(1);
    return s.toStdString();
}

std::string printablePath(std::string_view path)
{
    constexpr size_t kShown = 300;
    std::string out = "'";
    char buf[16];
    size_t i = 0;
    while (i < path.size() && i < kShown) {
        const size_t at = i;
        const char32_t c = nextCodePoint(path, &i);
        if (c == kInvalid || c < 0x20 || c == 0x7F) {
            std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(path[at]));
            out += buf;
        } else if ((c >= 0x80 && c <= 0x9F) || hfsIgnorable(c) || c == 0x200B
                   || (c >= 0x2066 && c <= 0x2069)) {
            std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(c));
            out += buf;
        } else {
            out.append(path.substr(at, i - at));
        }
    }
    out += '\'';
    if (i < path.size())
        out += " (" + std::to_string(path.size()) + " bytes)";
    return out;
}

} // namespace repodeck::core::git
