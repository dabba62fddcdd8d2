#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>
#include <QtConcurrent/QtConcurrentRun>

#include <functional>
#include <type_traits>
#include <utility>

namespace repodeck::ui {

// Runs `function` on Qt's global thread pool and hands its result to
// `handler` on `receiver`'s thread (the GUI thread for windows, dialogs and
// what they own), in the spirit of Qt Creator's Utils::onResultReady.
// `handler` is a member function of the receiver or a callable taking the
// result. Once the receiver is destroyed nothing is delivered: the watcher
// that delivers is its child. Call from the receiver's thread; `function`
// runs on a worker, so it captures values only.
//
// The future is returned for callers that must know whether the work still
// runs, or wait for it before they go (a workspace edit must land).
template<typename Receiver, typename Function, typename Handler>
auto runAsync(Receiver *receiver, Function &&function, Handler &&handler)
{
    static_assert(std::is_base_of_v<QObject, Receiver>, "the receiver is a QObject");
    using Result = std::invoke_result_t<std::decay_t<Function>>;
    static_assert(!std::is_void_v<Result>, "runAsync delivers a result");

    auto *watcher = new QFutureWatcher<Result>(receiver);
    QObject::connect(watcher, &QFutureWatcherBase::finished, receiver,
                     [receiver, watcher, handler = std::forward<Handler>(handler)]() mutable {
        watcher->deleteLater();
        if constexpr (std::is_member_function_pointer_v<std::decay_t<Handler>>) {
            std::invoke(handler, receiver, watcher->result());
        } else {
            Q_UNUSED(receiver);
            std::invoke(handler, watcher->result());
        }
    });
    const QFuture<Result> future = QtConcurrent::run(std::forward<Function>(function));
    watcher->setFuture(future);
    return future;
}

} // namespace repodeck::ui
