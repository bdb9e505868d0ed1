"""OGC API – Features (Part 1, Core + GeoJSON): Relais's layers for QGIS, GDAL and other GIS."""
