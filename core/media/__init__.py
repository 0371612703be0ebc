"""Audio and recording custody shared by ``core`` and ``scribe`` (issue 17): decoding any audio
file or buffer to 16 kHz mono float32 (``core.media.audio``) and sealing a recording under its
own key (``core.media.custody``). Here rather than in ``scribe`` so that ``core.services`` can
store and replay dictations without importing the scribe (``core`` never imports ``scribe``:
an import-linter contract). No Qt, no storage; numpy is imported only by the audio module.
"""
