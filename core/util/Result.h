#pragma once

#include <utility>
#include <variant>

namespace repodeck::core {

// A value or an error, never thrown (libgit2 callbacks and worker threads
// must not throw across their boundaries).
template<typename T, typename E>
class Result
{
public:
    Result(T value)
        : m_data(std::in_place_index<0>, std::move(value))
    {
    }
    static Result failure(E error) { return Result(std::in_place_index<1>, std::move(error)); }

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }
    T &value() { return std::get<0>(m_data); }
    const T &value() const { return std::get<0>(m_data); }
    const E &error() const { return std::get<1>(m_data); }

private:
    template<std::size_t I, typename V>
    Result(std::in_place_index_t<I> idx, V &&v)
        : m_data(idx, std::forward<V>(v))
    {
    }
    std::variant<T, E> m_data;
};

} // namespace repodeck::core
