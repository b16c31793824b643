// The chat page r1 serve answers GET / with: one self-contained HTML file (no CDN, no external
// fonts: these machines are often offline). It asks for the API key (kept in the browser's
// localStorage, sent as `Authorization: Bearer`), streams /v1/chat/completions, and shows each
// answer with its thinking collapsed above it. `/#q=TEXT` sends TEXT on load and `#key=K` sets the
// key (the fragment never reaches the server), so a link can open a ready conversation.
#pragma once
#include <string>

namespace r1::serve {

const std::string& chat_page_html();

}  // namespace r1::serve
