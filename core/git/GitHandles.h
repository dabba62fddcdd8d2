#pragma once

// Owning handles for libgit2 objects: every object is freed on every path,
// including the early returns that error handling is full of.

#include <memory>

#include <git2.h>

namespace repodeck::core::git {

template<typename T, void (*Free)(T *)>
struct Deleter
{
    void operator()(T *p) const { Free(p); }
};

using Repository = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using Remote = std::unique_ptr<git_remote, Deleter<git_remote, git_remote_free>>;
using Reference = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using Commit = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using Object = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;
using StatusList = std::unique_ptr<git_status_list, Deleter<git_status_list, git_status_list_free>>;
using Config = std::unique_ptr<git_config, Deleter<git_config, git_config_free>>;

struct StrArray
{
    git_strarray array{nullptr, 0};
    ~StrArray() { git_strarray_dispose(&array); }
};

struct Buf
{
    git_buf buf = GIT_BUF_INIT;
    ~Buf() { git_buf_dispose(&buf); }
};

} // namespace repodeck::core::git
