// The block scheduler of the emulated GPU: it runs a kernel launch on the calling thread, the
// threads of each block as fibers (see fiber.cc).
#pragma once

#include <cstddef>
#include <string>

#include "device.h"
#include "table.h"

namespace gogan_emu {

// run_launch runs every block of a launch of k, in order. It returns false and sets *err to
// a message naming the kernel, block and thread when a thread misuses a barrier or a warp
// operation; the launch's writes up to that point remain.
bool run_launch(const gogan_emu_kernel* k, dim3 grid, dim3 block, void* const* params, std::string* err);

}  // namespace gogan_emu
