#pragma once
// The blocking client library in one include: J-IM over TCP (TcpClient), WebSocket (WsClient)
// and plain HTTP (HttpClient), each over plain TCP or TLS (ConnectOptions), plus the lenient
// JSON helpers tests assert with.

#include "client/http_client.hpp"   // IWYU pragma: export
#include "client/json_helpers.hpp"  // IWYU pragma: export
#include "client/stream.hpp"        // IWYU pragma: export
#include "client/tcp_client.hpp"    // IWYU pragma: export
#include "client/ws_client.hpp"     // IWYU pragma: export
