/* SPDX-License-Identifier: MIT */
#pragma once

/* The three lights client.exe's window shows (relay, gateway, LAN
 * address), decided from a diagnostics snapshot. Pure, like
 * client-status.c, so the colours a player reads are pinned by tests:
 * green means "fine", yellow "on its way / waiting", red "needs you",
 * grey "not applicable now". */

#include <stdbool.h>
#include <stddef.h>

#include "client-core.h"

#define CLIENT_LIGHT_TEXT_MAX 160

typedef enum ClientLightColor {
        CLIENT_LIGHT_GREY,
        CLIENT_LIGHT_GREEN,
        CLIENT_LIGHT_YELLOW,
        CLIENT_LIGHT_RED,
        _CLIENT_LIGHT_COLOR_MAX,
        _CLIENT_LIGHT_COLOR_INVALID = -EINVAL,
} ClientLightColor;

typedef enum ClientLightKind {
        CLIENT_LIGHT_RELAY,
        CLIENT_LIGHT_GATEWAY,
        CLIENT_LIGHT_ADDRESS,
        _CLIENT_LIGHT_KIND_MAX,
        _CLIENT_LIGHT_KIND_INVALID = -EINVAL,
} ClientLightKind;

const char *client_light_color_to_string(ClientLightColor c);
const char *client_light_kind_to_string(ClientLightKind k);

typedef struct ClientLight {
        ClientLightColor color;
        char text[CLIENT_LIGHT_TEXT_MAX];
} ClientLight;

typedef struct ClientLights {
        ClientLight light[_CLIENT_LIGHT_KIND_MAX];
} ClientLights;

/* Fills all three lights from `d`. */
void client_lights_decide(const ClientDiagnostics *d, ClientLights *ret);
bool client_lights_equal(const ClientLights *a, const ClientLights *b);

