"""Just enough of .NET's `Task` for the model: `async` methods written as generators, awaited tasks yielded.

DTFx runs orchestrator code on a `SynchronousTaskScheduler` behind a synchronization context whose `Post` starts
the continuation on that scheduler (Azure/durabletask `TaskOrchestrationExecutor.cs` lines 93, 144, 284-307), so a
continuation runs inline, at the moment the awaited task completes, in the order continuations were registered.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import Any

AsyncMethod = Generator["Task", Any, Any]


class DotNetError(Exception):
    """An exception of the .NET side; `type_name` is the CLR type."""

    type_name = "System.Exception"


class ArgumentError(DotNetError):
    type_name = "System.ArgumentException"


class TaskCanceledError(DotNetError):
    type_name = "System.Threading.Tasks.TaskCanceledException"


class Task:
    """A task that completes once: RanToCompletion (with a result), Faulted (with an exception) or Canceled."""

    def __init__(self) -> None:
        self.state: str | None = None
        self.result: Any = None
        self.exception: BaseException | None = None
        self._continuations: list[Callable[[Task], None]] = []

    @property
    def is_completed(self) -> bool:
        return self.state is not None

    def continue_with(self, action: Callable[[Task], None]) -> None:
        if self.is_completed:
            action(self)
        else:
            self._continuations.append(action)

    def _finish(self, state: str, result: Any = None, exception: BaseException | None = None) -> bool:
        if self.is_completed:
            return False
        self.state, self.result, self.exception = state, result, exception
        pending, self._continuations = self._continuations, []
        for action in pending:
            action(self)
        return True

    @staticmethod
    def completed(result: Any = None) -> Task:
        task = Task()
        task._finish("RanToCompletion", result)
        return task


class TaskCompletionSource:
    def __init__(self) -> None:
        self.task = Task()

    def set_result(self, value: Any) -> None:
        self.task._finish("RanToCompletion", value)

    def set_exception(self, exc: BaseException) -> None:
        self.task._finish("Faulted", exception=exc)

    def try_set_canceled(self) -> bool:
        return self.task._finish("Canceled", exception=TaskCanceledError("A task was canceled."))


class CancellationTokenSource:
    """`CancellationTokenSource`: `cancel` runs the registered callbacks synchronously."""

    def __init__(self) -> None:
        self.is_cancellation_requested = False
        self._callbacks: list[Callable[[], None]] = []

    def register(self, callback: Callable[[], None]) -> None:
        if self.is_cancellation_requested:
            callback()
        else:
            self._callbacks.append(callback)

    def cancel(self) -> None:
        if self.is_cancellation_requested:
            return
        self.is_cancellation_requested = True
        for callback in self._callbacks:
            callback()


def run_async(method: AsyncMethod) -> Task:
    """Start an `async` method: it runs synchronously until it awaits (yields) a task that is not complete."""
    outer = Task()

    def advance(value: Any = None, error: BaseException | None = None) -> None:
        while True:
            try:
                awaited = method.throw(error) if error is not None else method.send(value)
            except StopIteration as stop:
                outer._finish("RanToCompletion", stop.value)
                return
            except TaskCanceledError as exc:
                outer._finish("Canceled", exception=exc)
                return
            except DotNetError as exc:
                outer._finish("Faulted", exception=exc)
                return
            if not awaited.is_completed:
                awaited.continue_with(lambda t: advance(*_outcome(t)))
                return
            value, error = _outcome(awaited)

    advance()
    return outer


def _outcome(task: Task) -> tuple[Any, BaseException | None]:
    """What `await task` gives: the result, or the exception to throw at the awaiting code."""
    if task.state == "RanToCompletion":
        return task.result, None
    return None, task.exception


def when_all(tasks: Iterable[Task]) -> Task:
    """`Task.WhenAll`: completes when every task has; faulted if any faulted, else canceled if any was."""
    items = list(tasks)
    outer = Task()

    def check(_: Task) -> None:
        if outer.is_completed or not all(t.is_completed for t in items):
            return
        faulted = [t for t in items if t.state == "Faulted"]
        if faulted:
            outer._finish("Faulted", exception=faulted[0].exception)
        elif any(t.state == "Canceled" for t in items):
            outer._finish("Canceled", exception=TaskCanceledError("A task was canceled."))
        else:
            outer._finish("RanToCompletion", [t.result for t in items])

    if not items:
        outer._finish("RanToCompletion", [])
    for item in items:
        item.continue_with(check)
    return outer


def when_any(tasks: Iterable[Task]) -> Task:
    """`Task.WhenAny`: completes (successfully, with the winner) as soon as any task completes in any state.

    Raises:
        ArgumentError: an empty list, as .NET throws.
    """
    items = list(tasks)
    if not items:
        raise ArgumentError("The tasks argument contains no tasks. (Parameter 'tasks')")
    outer = Task()
    for item in items:
        item.continue_with(lambda t: outer._finish("RanToCompletion", t))
    return outer
