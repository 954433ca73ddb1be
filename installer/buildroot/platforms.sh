# Sourced: MANYLINUX_228_PLATFORMS holds pip's --platform options for every wheel tag a glibc 2.28 x86_64 system
# accepts. pip does not expand a PEP 600 tag (manylinux_2_28) to the older ones, so each is named.
MANYLINUX_228_PLATFORMS=()
for minor in $(seq 28 -1 17); do MANYLINUX_228_PLATFORMS+=(--platform "manylinux_2_${minor}_x86_64"); done
MANYLINUX_228_PLATFORMS+=(--platform manylinux2014_x86_64 --platform manylinux2010_x86_64 --platform manylinux1_x86_64)
