#!/bin/bash
for u in "$@"; do n=$(grep -cF "$u" /work/blind4/used_urls.txt); echo "$n $u"; done
