"""One controller per feature of the main window (工作台, 案件, 收件箱 …); ``registry`` lists them in order."""
