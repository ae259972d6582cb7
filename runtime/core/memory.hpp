/// Process-wide allocator settings.
#pragma once

namespace sluice {

/// Batches, frames and the messages ZeroMQ receives them in are buffers of 50 KB to a few MB,
/// allocated on one thread and freed on another, thousands a second. glibc's defaults hand
/// them back to the kernel (mmap above 128 KB, trim above 128 KB free) and fault them in
/// again, zeroed, on the next allocation: 10-15 % of W1's CPU. Kept, they are reused; what is
/// kept is bounded by what was in flight at the peak (credits bound that). Call before any
/// thread starts; a no-op off glibc.
void keep_large_buffers();

} // namespace sluice
