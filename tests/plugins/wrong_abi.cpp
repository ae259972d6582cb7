/// A plugin that claims an ABI this host cannot drive (major or minor set at build time).
#include <sluice/abi.h>

extern "C" SLUICE_EXPORT const sluice_plugin_desc* sluice_plugin_entry(void) {
  static const sluice_plugin_desc desc = {WRONG_MAJOR, WRONG_MINOR, sizeof(sluice_plugin_desc), 0, nullptr,
                                          "wrong-abi", {}};
  return &desc;
}
