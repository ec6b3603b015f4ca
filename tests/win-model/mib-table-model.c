/* SPDX-License-Identifier: MIT */
/* Tables the model hands out (GetIpForwardTable2, GetIpInterfaceTable),
 * remembered so FreeMibTable knows them from Windows' own. A program that
 * never frees its tables runs out of slots and gets
 * ERROR_NOT_ENOUGH_MEMORY: a leak shows. */
#include <stdlib.h>

#include "model.h"

#define TABLES_MAX 64

static void *tables[TABLES_MAX];

void *model_table_alloc(size_t size) {
        for (size_t k = 0; k < TABLES_MAX; k++)
                if (!tables[k]) {
                        tables[k] = calloc(1, size);
                        return tables[k];
                }
        model_violation("more than 64 MIB tables not freed");
        return NULL;
}

bool model_table_free(void *table) {
        for (size_t k = 0; k < TABLES_MAX; k++)
                if (table && tables[k] == table) {
                        free(table);
                        tables[k] = NULL;
                        return true;
                }
        return false;
}

void WINAPI model_FreeMibTable(PVOID table) {
        bool ours;

        model_lock();
        ours = model_table_free(table);
        model_unlock();
        if (!ours)
                FreeMibTable(table);
}
