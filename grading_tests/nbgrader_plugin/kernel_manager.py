"""The course's kernel manager and client, for :class:`.ConfinedExecute`.

:class:`CourseKernelManager` reads kernels through a ZeroMQ context that
drops oversized messages, and, given modules to ``preload``, starts each
kernel as a fork of the warm template of :mod:`.kernel_template`.
:class:`CourseKernelClient` knows a kernel is ready as soon as it is.
:func:`retire_kernel` ends a kernel with everything it started, and
removes its scratch folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import shutil
import time
import uuid

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from traitlets import Type

from .. import confine
from .kernel_template import TemplateProvisioner

__all__ = ["CourseKernelClient", "CourseKernelManager", "retire_kernel"]

_BOUNDED_CONTEXT = []


def _bounded_context():
    """One ZeroMQ context whose sockets drop any message above OUTPUT["message_mb"]."""
    if not _BOUNDED_CONTEXT:
        import zmq
        import zmq.asyncio

        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, confine.OUTPUT["message_mb"] * confine.MIB)
        context.setsockopt(zmq.RCVHWM, confine.OUTPUT["queue_messages"])
        _BOUNDED_CONTEXT.append(context)
    return _BOUNDED_CONTEXT[0]


class CourseKernelClient(AsyncKernelClient):
    """A client that knows the kernel is ready as soon as it is, without jupyter_client's idle wait."""

    async def wait_for_ready(self, timeout=None):
        """Ready once a ``kernel_info`` request is answered and its idle status came on IOPub.

        That status is the last message the request causes: when it arrives,
        the IOPub subscription is in place and nothing older is left to read.
        (jupyter_client's own wait ends with 0.2 s of IOPub silence, per kernel.)
        """
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while time.monotonic() < deadline:
            msg_id = self.kernel_info()
            try:
                reply = await self._async_recv_reply(msg_id, timeout=1)
                end = time.monotonic() + 0.25  # then the subscription came too late for this one: ask again
                while time.monotonic() < end:
                    msg = await self.iopub_channel.get_msg(timeout=max(0.01, end - time.monotonic()))
                    if msg["parent_header"].get("msg_id") == msg_id and msg["content"].get("execution_state") == "idle":
                        self._handle_kernel_info_reply(reply)
                        return
            except (queue.Empty, TimeoutError):
                pass
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
        raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class CourseKernelManager(AsyncKernelManager):
    """The course's kernel manager: its clients read through :func:`_bounded_context`.

    With ``preload`` (module names), its kernels are forked from a warm
    template that imported them (:class:`.TemplateProvisioner`) and get their
    connection in memory: no connection file is written. With None, each
    kernel is started from the kernelspec's command.
    """

    preload = None
    client_factory = Type(CourseKernelClient, klass=AsyncKernelClient)

    def client(self, **kwargs):
        kwargs.setdefault("context", _bounded_context())
        return super().client(**kwargs)

    def write_connection_file(self, **kwargs):
        if self.preload is None:
            super().write_connection_file(**kwargs)

    async def _async_pre_start_kernel(self, **kw):
        if self.preload is not None and self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = TemplateProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


def retire_kernel(km, kc, scratch, watch, pgid):
    """Kill a kernel and everything it started, then release its manager and remove its folder."""
    if watch is not None:
        watch.stop()
    if pgid is not None:
        confine.kill_group(pgid)

    async def shutdown():
        try:
            if pgid is not None and km.has_kernel:
                with contextlib.suppress(asyncio.TimeoutError):  # the kill just sent, not jupyter_client's polling
                    await asyncio.wait_for(km.provisioner.wait(), 5)
            if await ensure_async(km.is_alive()):
                await ensure_async(km.shutdown_kernel(now=True))
        finally:
            await ensure_async(km.cleanup_resources())
            if kc is not None:
                kc.stop_channels()

    if km is not None:
        try:
            run_sync(shutdown)()
        except Exception:  # the processes are already killed; this only tidies the manager up
            pass
    shutil.rmtree(scratch, ignore_errors=True)
